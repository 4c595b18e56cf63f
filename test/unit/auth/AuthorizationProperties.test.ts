/**
 * The authorization rules as properties: random sequences of grant-changing commands by random
 * callers (the GraphQL directives left out, so only the handlers' own rules stand between a caller
 * and the grants), checked after every step on the in-memory layers:
 * - nobody gains a grant that the step's caller does not hold;
 * - nobody loses a grant that the step's caller does not hold;
 * - a refused step changes nothing;
 * - an administrator exists.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Option, Redacted } from "effect"
import * as fc from "fast-check"
import * as Grant from "../../../src/access/Grant.js"
import * as Policy from "../../../src/access/Policy.js"
import * as Actor from "../../../src/auth/Actor.js"
import * as Bootstrap from "../../../src/auth/Bootstrap.js"
import * as Commands from "../../../src/auth/Commands.js"
import * as Administrators from "../../../src/auth/domain/Administrators.js"
import * as Revocation from "../../../src/auth/domain/Revocation.js"
import { dispatch } from "../../../src/auth/handlers/Handlers.js"
import { RoleRepository } from "../../../src/auth/ports/RoleRepository.js"
import { UserRepository } from "../../../src/auth/ports/UserRepository.js"
import * as Composition from "../../../src/Composition.js"
import * as TestLayers from "../../support/TestLayers.js"

const accessKeys = ["admin", "ann", "ben", "cat"] as const
const roleCodes = ["admin", "staff", "viewer"] as const
const actions = ["LIST", "GET", "CREATE", "UPDATE", "DELETE"] as const
const everything = Composition.catalogue.filter((permission) => !permission.isConditional).map((permission) => ({ ...permission, scope: [] }))

const grantArbitrary = fc.oneof(
  fc.record({ resource: fc.constantFrom("user", "role", "permission"), action: fc.constantFrom(...actions), isConditional: fc.constant(false), scope: fc.constant([]) }),
  fc.record({
    resource: fc.constantFrom("user", "role"),
    action: fc.constantFrom("LIST", "GET", "UPDATE", "DELETE" as const),
    isConditional: fc.constant(true),
    scope: fc.uniqueArray(fc.constantFrom("*", ...accessKeys, ...roleCodes), { minLength: 1, maxLength: 3 })
  })
)
const grants = fc.array(grantArbitrary, { maxLength: 4 })
const accessKey = fc.constantFrom(...accessKeys)
const roleCode = fc.constantFrom(...roleCodes)

const commandArbitrary = fc.oneof(
  fc.record({ userAccessKey: accessKey, roleCode, overridePermissions: fc.boolean() }).map((c) => new Commands.SetUserRole(c)),
  fc.record({ accessKey, permissions: grants }).map((c) => new Commands.AttachUserPermissions(c)),
  fc.record({ accessKey, permissions: grants }).map((c) => new Commands.DetachUserPermissions(c)),
  fc.record({ code: roleCode, permissions: grants }).map((c) => new Commands.AttachRolePermissions(c)),
  fc.record({ code: roleCode, permissions: grants }).map((c) => new Commands.DetachRolePermissions(c)),
  fc.record({ code: roleCode, name: fc.constant("A role"), permissions: grants }).map((c) => new Commands.CreateRole(c)),
  accessKey.map((key) => new Commands.DeleteUser({ accessKey: key })),
  roleCode.map((code) => new Commands.DeleteRole({ code })),
  accessKey.map((key) => new Commands.CreateUser({ accessKey: key, email: `${key}@example.com`, name: key, password: Redacted.make("a long password") }))
)
const steps = fc.array(fc.record({ caller: accessKey, command: commandArbitrary }), { minLength: 1, maxLength: 25 })

const everyone = { direction: "forward", size: Number.MAX_SAFE_INTEGER, after: Option.none(), before: Option.none() } as const

/** Every user's effective grants, by access key. */
const snapshot = Effect.gen(function*() {
  const users = (yield* Effect.flatMap(UserRepository, (repository) => repository.page(everyone, {}))).rows
  const roles = yield* Effect.flatMap(RoleRepository, (repository) => repository.byIds(users.flatMap((user) => user.roleId ?? [])))
  const held = new Map(roles.map((role) => [role.id, role.permissions]))
  return new Map(users.map((user) => [user.accessKey, Grant.union(user.permissions, user.roleId === null ? [] : held.get(user.roleId) ?? [])]))
})

/** The same first state for every run: the bootstrapped administrator, three users, two roles, some grants. */
const setUp = Effect.gen(function*() {
  yield* Bootstrap.ensureAdmin({ accessKey: "admin", email: "admin@example.com", password: Option.some(Redacted.make("admin password")) })
  for (const key of accessKeys.slice(1)) {
    yield* dispatch(new Commands.CreateUser({ accessKey: key, email: `${key}@example.com`, name: key, password: Redacted.make("a long password") }))
  }
  const userAdmin = [{ resource: "user", action: "UPDATE" as const, isConditional: false, scope: [] }, { resource: "user", action: "DELETE" as const, isConditional: false, scope: [] }]
  yield* dispatch(new Commands.CreateRole({ code: "staff", name: "Staff", permissions: [...userAdmin, { resource: "role", action: "GET", isConditional: false, scope: [] }] }))
  yield* dispatch(new Commands.CreateRole({ code: "viewer", name: "Viewer", permissions: [{ resource: "user", action: "GET", isConditional: true, scope: ["ann", "ben"] }] }))
  yield* dispatch(new Commands.SetUserRole({ userAccessKey: "ann", roleCode: "staff", overridePermissions: false }))
  yield* dispatch(new Commands.AttachUserPermissions({ accessKey: "ben", permissions: everything }))
  yield* dispatch(new Commands.DetachUserPermissions({ accessKey: "ben", permissions: [{ resource: "role", action: "DELETE", isConditional: false, scope: [] }] }))
})

const reaches = (policy: Policy.Policy, grants: ReadonlyArray<Grant.Grant>) => grants.filter((grant) => !Policy.covers(policy, grant))

describe("authorization properties (fast-check, in-memory layers)", () => {
  it("no step gives or takes what its caller lacks, a refused step changes nothing, and an administrator remains", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (run) => {
        const runtime = ManagedRuntime.make(TestLayers.auth().pipe(Layer.orDie, Layer.provideMerge(Logger.minimumLogLevel(LogLevel.None))))
        try {
          await runtime.runPromise(setUp)
          for (const { caller, command } of run) {
            const before = await runtime.runPromise(snapshot)
            const callerGrants = before.get(caller)
            if (callerGrants === undefined) continue // deleted callers make no more calls
            const policy = Policy.compile(callerGrants)
            const exit = await runtime.runPromise(Effect.exit(dispatch(command).pipe(Effect.provideService(Actor.CurrentActor, Actor.caller(policy)))))
            const after = await runtime.runPromise(snapshot)
            const step = `${caller} ran ${command._tag} ${JSON.stringify(command)}`
            if (Exit.isFailure(exit)) expect(after, `${step}: refused, yet something changed`).toEqual(before)
            for (const [key, held] of before) {
              expect(reaches(policy, Revocation.taken(held, after.get(key) ?? [])), `${step}: took from ${key} beyond the caller's reach`).toEqual([])
            }
            for (const [key, held] of after) {
              expect(reaches(policy, Revocation.given(before.get(key) ?? [], held)), `${step}: gave ${key} beyond the caller's reach`).toEqual([])
            }
            const administrators = [...after.values()].filter((held) => Administrators.isAdministrator(Composition.catalogue, held))
            expect(administrators.length, `${step}: left no administrator`).toBeGreaterThan(0)
          }
        } finally {
          await runtime.dispose()
        }
      }),
      { numRuns: 150 }
    )
  })
})
