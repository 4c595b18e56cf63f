import { Schema } from "effect"
import { actions } from "../access/Permission.js"
import { SessionId } from "./domain/Ids.js"

/** Everything the auth module can be asked to do. Passwords stay Redacted from the edge inward. */
export const PermissionInput = Schema.Struct({
  resource: Schema.String,
  action: Schema.Literal(...actions),
  isConditional: Schema.Boolean,
  /** The instances a conditional grant covers (access keys, role codes, or `*`); none on unconditional ones. */
  scope: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true })
})
const Permissions = Schema.Array(PermissionInput)

export class CreateUser extends Schema.TaggedClass<CreateUser>()("CreateUser", {
  accessKey: Schema.String,
  email: Schema.String,
  name: Schema.String,
  password: Schema.Redacted(Schema.String)
}) {}

export class Authenticate extends Schema.TaggedClass<Authenticate>()("Authenticate", {
  accessKey: Schema.String,
  password: Schema.Redacted(Schema.String)
}) {}

export class ResetPassword extends Schema.TaggedClass<ResetPassword>()("ResetPassword", {
  accessKey: Schema.String
}) {}

export class ChangePassword extends Schema.TaggedClass<ChangePassword>()("ChangePassword", {
  token: Schema.Redacted(Schema.String),
  newPassword: Schema.Redacted(Schema.String)
}) {}

export class CreateRole extends Schema.TaggedClass<CreateRole>()("CreateRole", {
  code: Schema.String,
  name: Schema.String,
  permissions: Permissions
}) {}

export class AttachRolePermissions extends Schema.TaggedClass<AttachRolePermissions>()("AttachRolePermissions", {
  code: Schema.String,
  permissions: Permissions
}) {}

export class DetachRolePermissions extends Schema.TaggedClass<DetachRolePermissions>()("DetachRolePermissions", {
  code: Schema.String,
  permissions: Permissions
}) {}

export class AttachUserPermissions extends Schema.TaggedClass<AttachUserPermissions>()("AttachUserPermissions", {
  accessKey: Schema.String,
  permissions: Permissions
}) {}

export class DetachUserPermissions extends Schema.TaggedClass<DetachUserPermissions>()("DetachUserPermissions", {
  accessKey: Schema.String,
  permissions: Permissions
}) {}

export class DeleteUser extends Schema.TaggedClass<DeleteUser>()("DeleteUser", {
  accessKey: Schema.String
}) {}

export class DeleteRole extends Schema.TaggedClass<DeleteRole>()("DeleteRole", {
  code: Schema.String
}) {}

export class SetUserRole extends Schema.TaggedClass<SetUserRole>()("SetUserRole", {
  userAccessKey: Schema.String,
  roleCode: Schema.String,
  overridePermissions: Schema.Boolean
}) {}

/** Spends a refresh token for a new pair; the secret stays Redacted like a password. */
export class RefreshToken extends Schema.TaggedClass<RefreshToken>()("RefreshToken", {
  refreshToken: Schema.Redacted(Schema.String)
}) {}

/** Ends a session: its refresh tokens and every access token naming it stop working. */
export class Logout extends Schema.TaggedClass<Logout>()("Logout", {
  sessionId: Schema.String.pipe(Schema.fromBrand(SessionId))
}) {}
