import { Context, type Effect, type Option } from "effect"
import type { UserId } from "../../auth/domain/Ids.js"
import type { PageQuery, Window } from "../../kernel/Connection.js"
import type { OrganisationId } from "../domain/Ids.js"
import type { Membership } from "../domain/Membership.js"

/** An organisation's members are listed in the order they joined, ties broken by user id: a total order for keyset pages. */
export interface MembershipKey {
  readonly joinedAt: Date
  readonly userId: UserId
}

export const keyOf = (membership: Membership): MembershipKey => ({ joinedAt: membership.joinedAt, userId: membership.userId })

/**
 * Memberships, one (organisation, user) pair at a time. A membership never changes, so there is no
 * version: `add` and `remove` answer whether they changed anything, and a racing twin gets false.
 */
export class MembershipRepository extends Context.Tag("organisations/MembershipRepository")<MembershipRepository, {
  readonly find: (organisationId: OrganisationId, userId: UserId) => Effect.Effect<Option.Option<Membership>>
  /** Every organisation the user is a member of. */
  readonly ofUser: (userId: UserId) => Effect.Effect<ReadonlyArray<Membership>>
  /** False when the user is already a member. */
  readonly add: (membership: Membership) => Effect.Effect<boolean>
  /** False when the user was not a member (any more). */
  readonly remove: (membership: Membership) => Effect.Effect<boolean>
  readonly page: (query: PageQuery<MembershipKey>, organisationId: OrganisationId) => Effect.Effect<Window<Membership>>
  readonly count: (organisationId: OrganisationId) => Effect.Effect<number>
}>() {}
