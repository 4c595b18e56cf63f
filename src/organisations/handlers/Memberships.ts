import { Effect } from "effect"
import { handled } from "../../kernel/MessageBus.js"
import type { AddMember, RemoveMember, RemoveUserMemberships } from "../Commands.js"
import { AlreadyMember, NotAMember } from "../domain/Errors.js"
import * as Membership from "../domain/Membership.js"
import { MembershipRepository } from "../ports/MembershipRepository.js"
import { memberByAccessKey, now, organisationBySlug } from "./Lookups.js"

/** Answers the organisation, so the API can show it with its members. */
export const addMember = Effect.fn("AddMember")(function*(command: AddMember) {
  const memberships = yield* MembershipRepository
  const organisation = yield* organisationBySlug(command.slug)
  const member = yield* memberByAccessKey(command.accessKey)
  const decision = yield* Membership.join(organisation, member, yield* memberships.find(organisation.id, member.id), yield* now)
  // A concurrent add of the same user won the race.
  if (!(yield* memberships.add(decision.state))) return yield* new AlreadyMember({ slug: organisation.slug, accessKey: member.accessKey })
  return handled(organisation, decision.events)
})

export const removeMember = Effect.fn("RemoveMember")(function*(command: RemoveMember) {
  const memberships = yield* MembershipRepository
  const organisation = yield* organisationBySlug(command.slug)
  const member = yield* memberByAccessKey(command.accessKey)
  const decision = yield* Membership.leave(organisation, member, yield* memberships.find(organisation.id, member.id))
  if (!(yield* memberships.remove(decision.state))) return yield* new NotAMember({ slug: organisation.slug, accessKey: member.accessKey })
  return handled(organisation, decision.events)
})

/**
 * What auth's UserDeleted becomes; answers how many memberships went. Idempotent: a redelivery finds
 * none left and records nothing. Decided on the memberships this run removed, so one that a racing
 * RemoveMember took first is not reported twice.
 */
export const removeUserMemberships = Effect.fn("RemoveUserMemberships")(function*(command: RemoveUserMemberships) {
  const memberships = yield* MembershipRepository
  const removed = yield* Effect.filter(yield* memberships.ofUser(command.userId), memberships.remove)
  const decision = Membership.userDeleted(removed)
  return handled(decision.state.length, decision.events)
})
