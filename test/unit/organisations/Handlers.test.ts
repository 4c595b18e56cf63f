/**
 * The organisations module's commands on the in-memory world (TestLayers), and its reaction to auth's
 * UserDeleted through the event machinery: committed, delivered, and delivered again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import * as AuthCommands from "../../../src/auth/Commands.js"
import { UserId } from "../../../src/auth/domain/Ids.js"
import { dispatch as dispatchAuth } from "../../../src/auth/handlers/Handlers.js"
import * as Composition from "../../../src/Composition.js"
import type { Envelope } from "../../../src/kernel/Envelope.js"
import * as EventHandling from "../../../src/kernel/EventHandling.js"
import { Outbox } from "../../../src/kernel/Outbox.js"
import * as Commands from "../../../src/organisations/Commands.js"
import { dispatch } from "../../../src/organisations/handlers/Handlers.js"
import { MembershipRepository } from "../../../src/organisations/ports/MembershipRepository.js"
import { OrganisationRepository } from "../../../src/organisations/ports/OrganisationRepository.js"
import { userDeletion } from "../../../src/organisations/subscribers/UserDeletion.js"
import * as TestLayers from "../../support/TestLayers.js"

/** The tag of the expected (typed) failure, or undefined when the program succeeded or died. */
const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (error) => error._tag)) : undefined

const createUser = (accessKey: string) =>
  dispatchAuth(new AuthCommands.CreateUser({ accessKey, email: `${accessKey}@example.com`, name: accessKey, password: Redacted.make("a long password") }))

const createOrganisation = (slug: string) => dispatch(new Commands.CreateOrganisation({ slug, name: `Team ${slug}` }))

const memberKeys = (slug: string) =>
  Effect.gen(function*() {
    const organisation = Option.getOrThrow(yield* Effect.flatMap(OrganisationRepository, (repository) => repository.bySlug(slug)))
    const all = { direction: "forward", size: 100, after: Option.none(), before: Option.none() } as const
    const window = yield* Effect.flatMap(MembershipRepository, (memberships) => memberships.page(all, organisation.id))
    // Sorted: the test clock stands still, so every member joins at the same instant (join order is the contract tests').
    return window.rows.map((membership) => membership.accessKey).sort()
  })

/** Every event committed so far, oldest first, as a subscriber receives them. */
const committed = Effect.flatMap(Outbox, (outbox) => {
  const seen: Array<Envelope> = []
  return Effect.as(outbox.publishPending(1000, (envelope) => Effect.sync(() => void seen.push(envelope))), seen)
})

describe("organisations handlers on in-memory adapters", () => {
  it.effect("createOrganisation stores it and refuses a taken or malformed slug", () =>
    Effect.gen(function*() {
      const acme = yield* createOrganisation("acme")
      expect([acme.slug, acme.name, acme.version]).toEqual(["acme", "Team acme", 0])
      expect(failureTag(yield* Effect.exit(createOrganisation("acme")))).toBe("OrganisationAlreadyExists")
      expect(failureTag(yield* Effect.exit(createOrganisation("Not A Slug")))).toBe("InvalidInput")
      expect((yield* committed).map((envelope) => envelope.type)).toEqual(["OrganisationCreated"])
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("renameOrganisation renames a known organisation, saving a new version", () =>
    Effect.gen(function*() {
      yield* createOrganisation("acme")
      const renamed = yield* dispatch(new Commands.RenameOrganisation({ slug: "acme", name: "Acme Group" }))
      expect(renamed.name).toBe("Acme Group")
      const stored = Option.getOrThrow(yield* Effect.flatMap(OrganisationRepository, (repository) => repository.bySlug("acme")))
      expect([stored.name, stored.version]).toEqual(["Acme Group", 2])
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.RenameOrganisation({ slug: "nope", name: "x" }))))).toBe("OrganisationNotFound")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("members are added once and removed once; unknown users and organisations are named", () =>
    Effect.gen(function*() {
      yield* createOrganisation("acme")
      yield* createUser("alice")
      yield* createUser("bob")
      yield* dispatch(new Commands.AddMember({ slug: "acme", accessKey: "alice" }))
      yield* dispatch(new Commands.AddMember({ slug: "acme", accessKey: "bob" }))
      expect(yield* memberKeys("acme")).toEqual(["alice", "bob"])
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.AddMember({ slug: "acme", accessKey: "alice" }))))).toBe("AlreadyMember")
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.AddMember({ slug: "acme", accessKey: "carol" }))))).toBe("UserNotFound")
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.AddMember({ slug: "nope", accessKey: "alice" }))))).toBe("OrganisationNotFound")

      yield* dispatch(new Commands.RemoveMember({ slug: "acme", accessKey: "alice" }))
      expect(yield* memberKeys("acme")).toEqual(["bob"])
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.RemoveMember({ slug: "acme", accessKey: "alice" }))))).toBe("NotAMember")
      const types = (yield* committed).map((envelope) => envelope.type).filter((type) => type.startsWith("Member"))
      expect(types).toEqual(["MemberAdded", "MemberAdded", "MemberRemoved"])
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("a deleted user leaves every organisation once the subscribers run; a redelivery changes nothing", () =>
    Effect.gen(function*() {
      yield* createUser("alice")
      yield* createUser("bob")
      for (const slug of ["acme", "globex"]) {
        yield* createOrganisation(slug)
        yield* dispatch(new Commands.AddMember({ slug, accessKey: "alice" }))
        yield* dispatch(new Commands.AddMember({ slug, accessKey: "bob" }))
      }
      yield* dispatchAuth(new AuthCommands.DeleteUser({ accessKey: "alice" }))
      // Nothing happens before delivery: auth's command knows nothing of organisations.
      expect(yield* memberKeys("acme")).toEqual(["alice", "bob"])

      yield* TestLayers.deliver
      expect(yield* memberKeys("acme")).toEqual(["bob"])
      expect(yield* memberKeys("globex")).toEqual(["bob"])
      const events = yield* committed
      const removed = events.filter((envelope) => envelope.type === "MemberRemoved").map((envelope) => envelope.payload)
      expect(removed).toMatchObject([{ accessKey: "alice", reason: "user-deleted" }, { accessKey: "alice", reason: "user-deleted" }])

      // At least once: the same UserDeleted again, through the inbox (skipped) and straight to the
      // handler (which finds nothing left to remove and records nothing).
      const deleted = events.find((envelope) => envelope.type === "UserDeleted")!
      const outcome = yield* EventHandling.attempt(userDeletion, deleted, 2, TestLayers.eventOptions.retry)
      expect(outcome).toEqual({ _tag: "Handled" })
      yield* userDeletion.handle(deleted)
      const userId = UserId((deleted.payload as { readonly userId: string }).userId)
      expect(yield* dispatch(new Commands.RemoveUserMemberships({ userId }))).toBe(0)
      expect((yield* committed).filter((envelope) => envelope.type === "MemberRemoved")).toEqual([])
      expect(yield* memberKeys("globex")).toEqual(["bob"])
    }).pipe(Effect.provide(TestLayers.auth())))

  it("is one of the composition's subscribers, on UserDeleted only", () => {
    expect(Composition.subscribers.map((subscriber) => subscriber.name)).toContain(userDeletion.name)
    expect(userDeletion.types).toEqual(["UserDeleted"])
  })
})
