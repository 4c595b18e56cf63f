import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { UserId } from "../../../src/auth/domain/Ids.js"
import { OrganisationId } from "../../../src/organisations/domain/Ids.js"
import * as Membership from "../../../src/organisations/domain/Membership.js"
import * as Organisation from "../../../src/organisations/domain/Organisation.js"

const now = new Date("2026-11-24T10:00:00.000Z")
const id = OrganisationId("5b0c5a7e-1f4e-4c47-9d1e-0c6f7a1b2c3d")
const acme = Either.getOrThrow(Organisation.create({ id, slug: "acme", name: " Acme Ltd ", now })).state
const alice: Membership.Member = { id: UserId("0f9d6f0e-8a44-4c64-8f41-3c1d8a7b6e5f"), accessKey: "alice" }

describe("Organisation", () => {
  it("creates with a trimmed name and records OrganisationCreated", () => {
    const decision = Either.getOrThrow(Organisation.create({ id, slug: "platform-team", name: " Platform ", now }))
    expect(decision.state).toEqual({ id, slug: "platform-team", name: "Platform", createdAt: now, version: 0 })
    expect(decision.events.map((event) => [event._tag, event.slug, event.name])).toEqual([["OrganisationCreated", "platform-team", "Platform"]])
  })

  it("refuses slugs that could not name it in a URL or a grant's scope", () => {
    for (const slug of ["", "Acme", "-acme", "acme team", "a*", "x".repeat(64)]) {
      const refused = Organisation.create({ id, slug, name: "Acme", now })
      expect(Either.isLeft(refused) && refused.left.field, slug).toBe("slug")
    }
    expect(Either.isRight(Organisation.create({ id, slug: "x".repeat(63), name: "Acme", now }))).toBe(true)
  })

  it("renames, and renaming to the same name records nothing", () => {
    const renamed = Either.getOrThrow(Organisation.rename(acme, "Acme Group"))
    expect(renamed.state.name).toBe("Acme Group")
    expect(renamed.events.map((event) => event._tag)).toEqual(["OrganisationRenamed"])
    expect(Either.getOrThrow(Organisation.rename(acme, "Acme Ltd"))).toEqual({ state: acme, events: [] })
    expect(Either.isLeft(Organisation.rename(acme, "   "))).toBe(true)
  })
})

describe("Membership", () => {
  it("joins once: a second join is AlreadyMember", () => {
    const joined = Either.getOrThrow(Membership.join(acme, alice, Option.none(), now))
    expect(joined.state).toEqual({ organisationId: id, userId: alice.id, accessKey: "alice", joinedAt: now })
    expect(joined.events.map((event) => event._tag)).toEqual(["MemberAdded"])
    const again = Membership.join(acme, alice, Option.some(joined.state), now)
    expect(Either.isLeft(again) && again.left.message).toBe("User alice is already a member of organisation acme")
  })

  it("leaves only when a member", () => {
    const membership = Either.getOrThrow(Membership.join(acme, alice, Option.none(), now)).state
    const left = Either.getOrThrow(Membership.leave(acme, alice, Option.some(membership)))
    expect(left.events.map((event) => [event._tag, event.reason])).toEqual([["MemberRemoved", "removed"]])
    const stranger = Membership.leave(acme, alice, Option.none())
    expect(Either.isLeft(stranger) && stranger.left._tag).toBe("NotAMember")
  })

  it("a deleted user leaves every organisation, and with none left nothing is recorded", () => {
    const other = { ...acme, id: OrganisationId("7d2e4f60-0a1b-4c2d-8e3f-405162738495"), slug: "other" }
    const memberships = [acme, other].map((organisation) => Either.getOrThrow(Membership.join(organisation, alice, Option.none(), now)).state)
    const decision = Membership.userDeleted(memberships)
    expect(decision.events.map((event) => [event.organisationId, event.reason])).toEqual([[acme.id, "user-deleted"], [other.id, "user-deleted"]])
    expect(Membership.userDeleted([])).toEqual({ state: [], events: [] })
  })
})
