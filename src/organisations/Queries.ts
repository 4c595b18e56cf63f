/** The read side: organisations and their members as clients list them. */
import { Effect, Schema } from "effect"
import * as Policy from "../access/Policy.js"
import { UserId } from "../auth/domain/Ids.js"
import * as Connection from "../kernel/Connection.js"
import * as Cursor from "../kernel/Cursor.js"
import type { OrganisationId } from "./domain/Ids.js"
import * as MembershipRepository from "./ports/MembershipRepository.js"
import * as OrganisationRepository from "./ports/OrganisationRepository.js"

const Organisations = OrganisationRepository.OrganisationRepository
const Memberships = MembershipRepository.MembershipRepository

export const organisationBySlug = (slug: string) => Effect.flatMap(Organisations, (organisations) => organisations.bySlug(slug))

const organisationCursor = Cursor.codec("organisations", Schema.String)
// The id must be a UUID: a forged cursor is refused as a bad argument before it reaches SQL's uuid type.
const memberCursor = Cursor.codec("members", Schema.Struct({ joinedAt: Schema.Date, userId: Schema.UUID.pipe(Schema.fromBrand(UserId)) }))

/** A page of organisations in slug order, limited to the ones `access` reaches (a scoped grant lists and counts only its own). */
export const organisations = (args: Connection.PageArguments, access: Policy.Access) =>
  Effect.flatMap(Organisations, (organisations) => {
    const filter = { slugs: Policy.instanceFilter(access) }
    return Connection.load(args, {
      codec: organisationCursor,
      keyOf: OrganisationRepository.keyOf,
      window: (request) => organisations.page(request, filter),
      count: organisations.count(filter)
    })
  })

/** A page of an organisation's members, in the order they joined. */
export const members = (args: Connection.PageArguments, organisationId: OrganisationId) =>
  Effect.flatMap(Memberships, (memberships) =>
    Connection.load(args, {
      codec: memberCursor,
      keyOf: MembershipRepository.keyOf,
      window: (request) => memberships.page(request, organisationId),
      count: memberships.count(organisationId)
    }))
