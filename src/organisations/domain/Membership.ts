import { Either, Option } from "effect"
import type { UserId } from "../../auth/domain/Ids.js"
import { decide, type Decision } from "../../kernel/Decision.js"
import { AlreadyMember, NotAMember } from "./Errors.js"
import { MemberAdded, MemberRemoved } from "./Events.js"
import type { OrganisationId } from "./Ids.js"
import type { Organisation } from "./Organisation.js"

/**
 * A user's membership of an organisation. The user belongs to auth: the module keeps only their id
 * and access key (which never changes), and hears of their deletion through auth's UserDeleted.
 */
export interface Membership {
  readonly organisationId: OrganisationId
  readonly userId: UserId
  readonly accessKey: string
  readonly joinedAt: Date
}

/** The user as the module knows them. */
export interface Member {
  readonly id: UserId
  readonly accessKey: string
}

export const join = (
  organisation: Organisation,
  member: Member,
  current: Option.Option<Membership>,
  now: Date
): Either.Either<Decision<Membership, MemberAdded>, AlreadyMember> =>
  Option.isSome(current)
    ? Either.left(new AlreadyMember({ slug: organisation.slug, accessKey: member.accessKey }))
    : Either.right(decide(
      { organisationId: organisation.id, userId: member.id, accessKey: member.accessKey, joinedAt: now },
      new MemberAdded({ organisationId: organisation.id, userId: member.id, accessKey: member.accessKey, at: now })
    ))

const removed = (membership: Membership, reason: MemberRemoved["reason"]) =>
  new MemberRemoved({ organisationId: membership.organisationId, userId: membership.userId, accessKey: membership.accessKey, reason })

export const leave = (
  organisation: Organisation,
  member: Member,
  current: Option.Option<Membership>
): Either.Either<Decision<Membership, MemberRemoved>, NotAMember> =>
  Option.match(current, {
    onNone: () => Either.left(new NotAMember({ slug: organisation.slug, accessKey: member.accessKey })),
    onSome: (membership) => Either.right(decide(membership, removed(membership, "removed")))
  })

/**
 * A deleted user leaves every organisation they were in. Total: with none left (a redelivered
 * UserDeleted) it decides nothing, so reacting twice is reacting once.
 */
export const userDeleted = (memberships: ReadonlyArray<Membership>): Decision<ReadonlyArray<Membership>, MemberRemoved> =>
  decide(memberships, ...memberships.map((membership) => removed(membership, "user-deleted")))
