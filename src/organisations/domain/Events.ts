import { Schema } from "effect"

/** Events are schemas so they can leave the process (outbox, external bus) and come back intact. */
export class OrganisationCreated extends Schema.TaggedClass<OrganisationCreated>()("OrganisationCreated", {
  organisationId: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  at: Schema.Date
}) {}

export class OrganisationRenamed extends Schema.TaggedClass<OrganisationRenamed>()("OrganisationRenamed", {
  organisationId: Schema.String,
  name: Schema.String
}) {}

export class MemberAdded extends Schema.TaggedClass<MemberAdded>()("MemberAdded", {
  organisationId: Schema.String,
  userId: Schema.String,
  accessKey: Schema.String,
  at: Schema.Date
}) {}

/** `user-deleted`: the account is gone (auth's UserDeleted), not a decision about the organisation. */
export class MemberRemoved extends Schema.TaggedClass<MemberRemoved>()("MemberRemoved", {
  organisationId: Schema.String,
  userId: Schema.String,
  accessKey: Schema.String,
  reason: Schema.Literal("removed", "user-deleted")
}) {}

export const OrganisationEvent = Schema.Union(OrganisationCreated, OrganisationRenamed, MemberAdded, MemberRemoved)
export type OrganisationEvent = typeof OrganisationEvent.Type
