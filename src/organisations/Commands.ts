import { Schema } from "effect"
import { UserId } from "../auth/domain/Ids.js"

/** Everything the organisations module can be asked to do. Organisations are named by slug throughout. */
export class CreateOrganisation extends Schema.TaggedClass<CreateOrganisation>()("CreateOrganisation", {
  slug: Schema.String,
  name: Schema.String
}) {}

export class RenameOrganisation extends Schema.TaggedClass<RenameOrganisation>()("RenameOrganisation", {
  slug: Schema.String,
  name: Schema.String
}) {}

export class AddMember extends Schema.TaggedClass<AddMember>()("AddMember", {
  slug: Schema.String,
  accessKey: Schema.String
}) {}

export class RemoveMember extends Schema.TaggedClass<RemoveMember>()("RemoveMember", {
  slug: Schema.String,
  accessKey: Schema.String
}) {}

/** Not in the API: what auth's UserDeleted becomes (subscribers/UserDeletion.ts). */
export class RemoveUserMemberships extends Schema.TaggedClass<RemoveUserMemberships>()("RemoveUserMemberships", {
  userId: Schema.String.pipe(Schema.fromBrand(UserId))
}) {}
