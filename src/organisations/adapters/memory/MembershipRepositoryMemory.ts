import { Effect, Layer, Option } from "effect"
import type { UserId } from "../../../auth/domain/Ids.js"
import { windowOf } from "../../../kernel/Connection.js"
import { compareStrings } from "../../../kernel/Order.js"
import type { OrganisationId } from "../../domain/Ids.js"
import type { Membership } from "../../domain/Membership.js"
import { keyOf, type MembershipKey, MembershipRepository } from "../../ports/MembershipRepository.js"

const compare = (membership: Membership, key: MembershipKey) =>
  membership.joinedAt.getTime() - key.joinedAt.getTime() || compareStrings(membership.userId, key.userId)

const pair = (organisationId: OrganisationId, userId: UserId) => `${organisationId} ${userId}`

export const layer: Layer.Layer<MembershipRepository> = Layer.sync(MembershipRepository, () => {
  const memberships = new Map<string, Membership>()
  const of = (organisationId: OrganisationId) => [...memberships.values()].filter((m) => m.organisationId === organisationId)
  return MembershipRepository.of({
    find: (organisationId, userId) => Effect.sync(() => Option.fromNullable(memberships.get(pair(organisationId, userId)))),
    ofUser: (userId) => Effect.sync(() => [...memberships.values()].filter((m) => m.userId === userId)),
    add: (membership) =>
      Effect.sync(() => {
        const key = pair(membership.organisationId, membership.userId)
        if (memberships.has(key)) return false
        memberships.set(key, membership)
        return true
      }),
    remove: (membership) => Effect.sync(() => memberships.delete(pair(membership.organisationId, membership.userId))),
    page: (query, organisationId) => Effect.sync(() => windowOf(of(organisationId).sort((a, b) => compare(a, keyOf(b))), compare, query)),
    count: (organisationId) => Effect.sync(() => of(organisationId).length)
  })
})
