/**
 * The organisations module's ports, one suite each, on every implementation (memory, PGlite,
 * PostgreSQL): the same answers, typed failures and pages, so the in-memory world the unit tests use
 * behaves as the database does. Pages are checked against kernel/Connection's `windowOf` reference.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { UserId } from "../../src/auth/domain/Ids.js"
import { type PageQuery, windowOf } from "../../src/kernel/Connection.js"
import { compareStrings } from "../../src/kernel/Order.js"
import type { Membership } from "../../src/organisations/domain/Membership.js"
import type { Organisation } from "../../src/organisations/domain/Organisation.js"
import { type MembershipKey, MembershipRepository } from "../../src/organisations/ports/MembershipRepository.js"
import { OrganisationRepository } from "../../src/organisations/ports/OrganisationRepository.js"
import { implementations, newMembership, newOrganisation } from "../support/OrganisationRepositories.js"
import { randomKey } from "../support/RandomRefs.js"

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) ? exit.cause.toString() : "success")

/** Both directions, sizes around the list's length, each bound absent or at each key. */
const queries = <K>(keys: ReadonlyArray<K>, length: number): ReadonlyArray<PageQuery<K>> => {
  const bounds = [Option.none<K>(), ...keys.map(Option.some)]
  return (["forward", "backward"] as const).flatMap((direction) =>
    [0, 1, 2, length - 1, length, length + 1].flatMap((size) =>
      bounds.flatMap((after) => bounds.map((before) => ({ direction, size, after, before })))
    )
  )
}

const compareOrganisation = (organisation: Organisation, slug: string) => compareStrings(organisation.slug, slug)
const compareMembership = (membership: Membership, key: MembershipKey) =>
  membership.joinedAt.getTime() - key.joinedAt.getTime() || compareStrings(membership.userId, key.userId)

for (const implementation of implementations) {
  const skipped = implementation.skip ? ` (skipped: ${implementation.skip})` : ""
  describe.skipIf(implementation.skip !== undefined)(`organisations repositories on ${implementation.name}${skipped}`, () => {
    layer(implementation.layer())((it) => {
      it.effect("OrganisationRepository adds, finds by slug, saves with versions, refuses a taken slug", () =>
        Effect.gen(function*() {
          const organisations = yield* OrganisationRepository
          const organisation = newOrganisation()
          yield* organisations.add(organisation)
          const loaded = Option.getOrThrow(yield* organisations.bySlug(organisation.slug))
          expect(loaded).toEqual({ ...organisation, version: 1 })
          expect(yield* organisations.bySlug(randomKey("missing"))).toEqual(Option.none())
          expect(failureOf(yield* Effect.exit(organisations.add({ ...newOrganisation(), slug: organisation.slug })))).toContain("OrganisationAlreadyExists")
          yield* organisations.save({ ...loaded, name: "Renamed" })
          expect(Option.getOrThrow(yield* organisations.bySlug(organisation.slug))).toEqual({ ...loaded, name: "Renamed", version: 2 })
          expect(failureOf(yield* Effect.exit(organisations.save({ ...loaded, name: "Stale" })))).toContain("Conflict")
          expect(Option.getOrThrow(yield* organisations.bySlug(organisation.slug)).name).toBe("Renamed")
        }))

      it.effect("OrganisationRepository pages by slug in byte order like the reference, filtered by slugs", () =>
        Effect.gen(function*() {
          const organisations = yield* OrganisationRepository
          const marker = randomKey("paged")
          // Digits sort before letters in byte order; '-' before both.
          const created = ["b", "a-1", "a", "0", "z9", "m"].map((suffix) => newOrganisation(`${marker}-${suffix}`))
          yield* Effect.forEach(created, organisations.add)
          const stored = yield* Effect.forEach(created, (o) => Effect.map(organisations.bySlug(o.slug), Option.getOrThrow))
          const sorted = [...stored].sort((a, b) => compareOrganisation(a, b.slug))
          const filter = { slugs: [...created.map((o) => o.slug), randomKey("ghost")] }
          const keys = [sorted[0]!.slug, sorted[3]!.slug, `${marker}-a0`, `${marker}-zz`]
          for (const query of queries(keys, sorted.length)) {
            expect(yield* organisations.page(query, filter), JSON.stringify(query)).toEqual(windowOf(sorted, compareOrganisation, query))
          }
          expect(yield* organisations.count(filter)).toBe(6)
          expect(yield* organisations.count({ slugs: [sorted[1]!.slug] })).toBe(1)
          expect(yield* organisations.count({ slugs: [] })).toBe(0)
          expect(yield* organisations.count({})).toBeGreaterThanOrEqual(6)
        }))

      it.effect("MembershipRepository adds once, finds, lists a user's memberships and removes once", () =>
        Effect.gen(function*() {
          const organisations = yield* OrganisationRepository
          const memberships = yield* MembershipRepository
          const [acme, globex] = [newOrganisation(), newOrganisation()]
          yield* organisations.add(acme)
          yield* organisations.add(globex)
          const alice = newMembership(acme)
          const alsoGlobex = { ...alice, organisationId: globex.id }
          expect(yield* memberships.add(alice)).toBe(true)
          expect(yield* memberships.add({ ...alice, joinedAt: new Date(0) })).toBe(false)
          expect(yield* memberships.add(alsoGlobex)).toBe(true)
          expect(yield* memberships.find(acme.id, alice.userId)).toEqual(Option.some(alice))
          expect(yield* memberships.find(globex.id, newMembership(globex).userId)).toEqual(Option.none())
          const ofAlice = yield* memberships.ofUser(alice.userId)
          expect([...ofAlice].sort((a, b) => compareStrings(a.organisationId, b.organisationId)))
            .toEqual([alice, alsoGlobex].sort((a, b) => compareStrings(a.organisationId, b.organisationId)))
          expect(yield* memberships.remove(alice)).toBe(true)
          expect(yield* memberships.remove(alice)).toBe(false)
          expect(yield* memberships.find(acme.id, alice.userId)).toEqual(Option.none())
          expect(yield* memberships.ofUser(alice.userId)).toEqual([alsoGlobex])
        }))

      it.effect("MembershipRepository pages an organisation's members in join order like the reference, ties broken by user id", () =>
        Effect.gen(function*() {
          const organisations = yield* OrganisationRepository
          const memberships = yield* MembershipRepository
          const [acme, other] = [newOrganisation(), newOrganisation()]
          yield* organisations.add(acme)
          yield* organisations.add(other)
          const base = Date.now()
          // Seven members over three instants, so the user id must break ties; one elsewhere, never listed.
          const members = Array.from({ length: 7 }, (_, i) => newMembership(acme, new Date(base + (i % 3))))
          yield* Effect.forEach([...members, newMembership(other, new Date(base))], memberships.add)
          const sorted = [...members].sort((a, b) => compareMembership(a, { joinedAt: b.joinedAt, userId: b.userId }))
          const keys: ReadonlyArray<MembershipKey> = [
            ...sorted.filter((_, i) => i % 3 === 0).map((m) => ({ joinedAt: m.joinedAt, userId: m.userId })),
            { joinedAt: new Date(base + 1), userId: UserId("00000000-0000-4000-8000-000000000000") },
            { joinedAt: new Date(base + 5), userId: UserId("ffffffff-ffff-4fff-bfff-ffffffffffff") }
          ]
          for (const query of queries(keys, sorted.length)) {
            expect(yield* memberships.page(query, acme.id), JSON.stringify(query)).toEqual(windowOf(sorted, compareMembership, query))
          }
          expect(yield* memberships.count(acme.id)).toBe(7)
          expect(yield* memberships.count(other.id)).toBe(1)
        }))
    })
  })
}
