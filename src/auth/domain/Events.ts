import { Schema } from "effect"
import { actions } from "../../access/Permission.js"

/** Events are schemas so they can leave the process (outbox, external bus) and come back intact. */
const Grant = Schema.Struct({
  resource: Schema.String,
  action: Schema.Literal(...actions),
  isConditional: Schema.Boolean,
  scope: Schema.Array(Schema.String)
})
const Grants = Schema.Array(Grant)

export class UserCreated extends Schema.TaggedClass<UserCreated>()("UserCreated", {
  userId: Schema.String,
  accessKey: Schema.String,
  email: Schema.String,
  name: Schema.String,
  at: Schema.Date
}) {}

export class UserPermissionsAttached extends Schema.TaggedClass<UserPermissionsAttached>()("UserPermissionsAttached", {
  userId: Schema.String,
  permissions: Grants
}) {}

export class UserPermissionsDetached extends Schema.TaggedClass<UserPermissionsDetached>()("UserPermissionsDetached", {
  userId: Schema.String,
  permissions: Grants
}) {}

export class UserRoleSet extends Schema.TaggedClass<UserRoleSet>()("UserRoleSet", {
  userId: Schema.String,
  roleId: Schema.String,
  permissionsOverridden: Schema.Boolean
}) {}

export class UserDeleted extends Schema.TaggedClass<UserDeleted>()("UserDeleted", {
  userId: Schema.String,
  accessKey: Schema.String
}) {}

/**
 * Carries no secret: the token is made, and mailed, by the subscriber that handles this (the outbox is
 * not a place for secrets). Raised for unknown accounts too (`userId` null, the key asked for left out:
 * it may be a mistyped password), so that a request costs the same whether or not the account exists.
 */
export class PasswordResetRequested extends Schema.TaggedClass<PasswordResetRequested>()("PasswordResetRequested", {
  userId: Schema.NullOr(Schema.String),
  at: Schema.Date
}) {}

export class PasswordChanged extends Schema.TaggedClass<PasswordChanged>()("PasswordChanged", {
  userId: Schema.String,
  at: Schema.Date
}) {}

export class RoleCreated extends Schema.TaggedClass<RoleCreated>()("RoleCreated", {
  roleId: Schema.String,
  code: Schema.String,
  name: Schema.String,
  permissions: Grants
}) {}

export class RolePermissionsAttached extends Schema.TaggedClass<RolePermissionsAttached>()("RolePermissionsAttached", {
  roleId: Schema.String,
  permissions: Grants
}) {}

export class RolePermissionsDetached extends Schema.TaggedClass<RolePermissionsDetached>()("RolePermissionsDetached", {
  roleId: Schema.String,
  permissions: Grants
}) {}

export class RoleDeleted extends Schema.TaggedClass<RoleDeleted>()("RoleDeleted", {
  roleId: Schema.String,
  code: Schema.String
}) {}

export const AuthEvent = Schema.Union(
  UserCreated,
  UserPermissionsAttached,
  UserPermissionsDetached,
  UserRoleSet,
  UserDeleted,
  PasswordResetRequested,
  PasswordChanged,
  RoleCreated,
  RolePermissionsAttached,
  RolePermissionsDetached,
  RoleDeleted
)
export type AuthEvent = typeof AuthEvent.Type
