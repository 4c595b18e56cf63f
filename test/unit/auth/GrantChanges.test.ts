/**
 * Taking grants away is guarded as giving them is: a caller may take away only what its own grants
 * reach, whatever the command (role replaced or overridden, grants detached, user or role deleted),
 * and no command may leave the system without an administrator. On the in-memory adapters.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer, Option, Redacted } from "effect"
import * as Grant from "../../../src/access/Grant.js"
import * as Policy from "../../../src/access/Policy.js"
import * as Actor from "../../../src/auth/Actor.js"
import * as Bootstrap from "../../../src/auth/Bootstrap.js"
import * as Commands from "../../../src/auth/Commands.js"
import { dispatch } from "../../../src/auth/handlers/Handlers.js"
import * as Queries from "../../../src/auth/Queries.js"
import * as Composition from "../../../src/Composition.js"
import * as TestLayers from "../../support/TestLayers.js"

type Action = "LIST" | "GET" | "CREATE" | "UPDATE" | "DELETE"
type GrantInput = { readonly resource: string; readonly action: Action; readonly isConditional: boolean; readonly scope: ReadonlyArray<string> }
const grant = (resource: string, action: Action): GrantInput => ({ resource, action, isConditional: false, scope: [] })
const scoped = (resource: string, action: Action, scope: ReadonlyArray<string>) => ({ resource, action, isConditional: true, scope })
const everything: ReadonlyArray<GrantInput> = Composition.catalogue.filter((permission) => !permission.isConditional).map((permission) => ({ ...permission, scope: [] }))

const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (error) => error._tag)) : undefined

const bootstrap = Bootstrap.ensureAdmin({ accessKey: "admin", email: "admin@example.com", password: Option.some(Redacted.make("admin password")) })

const createUser = (accessKey: string) =>
  dispatch(new Commands.CreateUser({ accessKey, email: `${accessKey}@example.com`, name: accessKey, password: Redacted.make("a long password") }))

/** Runs `command` as a caller holding exactly `grants`. */
const as = (grants: ReadonlyArray<GrantInput>, command: Parameters<typeof dispatch>[0]) =>
  Effect.exit(dispatch(command).pipe(
    Effect.provideService(Actor.CurrentActor, Actor.caller(Policy.compile(grants.map((g) => Grant.make(g, g.scope)))))
  ))

const asSystem = (command: Parameters<typeof dispatch>[0]) => Effect.exit(dispatch(command))

/** What the user holds, directly and through the role. */
const effective = (accessKey: string) =>
  Effect.gen(function*() {
    const user = Option.getOrThrow(yield* Queries.userByAccessKey(accessKey))
    const roles = yield* Queries.rolesByIds(user.roleId === null ? [] : [user.roleId])
    const role = Option.fromNullable(roles[0])
    return Queries.effectiveGrants(user, role)
  })

const world = <A, E>(test: Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof TestLayers.auth>>>) =>
  test.pipe(Effect.provide(TestLayers.auth()))

describe("taking grants away needs the caller to reach them", () => {
  it.effect("setUserRole: a user:UPDATE holder cannot empty the administrator by giving them an empty role", () =>
    world(Effect.gen(function*() {
      yield* bootstrap
      yield* asSystem(new Commands.CreateRole({ code: "empty", name: "Empty", permissions: [] }))
      const before = yield* effective("admin")
      const exit = yield* as([grant("user", "UPDATE"), grant("role", "GET")], new Commands.SetUserRole({ userAccessKey: "admin", roleCode: "empty", overridePermissions: false }))
      expect(failureTag(exit)).toBe("NotRevocable")
      expect(yield* effective("admin")).toEqual(before)
    })))

  it.effect("setUserRole with overridePermissions: the user's own grants beyond the caller's reach stay", () =>
    world(Effect.gen(function*() {
      yield* createUser("bob")
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "bob", permissions: [grant("user", "DELETE"), grant("user", "GET")] }))
      yield* asSystem(new Commands.CreateRole({ code: "viewer", name: "Viewer", permissions: [grant("user", "GET")] }))
      const caller = [grant("user", "UPDATE"), grant("user", "GET")]
      const refused = yield* as(caller, new Commands.SetUserRole({ userAccessKey: "bob", roleCode: "viewer", overridePermissions: true }))
      expect(failureTag(refused)).toBe("NotRevocable")
      expect(yield* effective("bob")).toEqual([grant("user", "DELETE"), grant("user", "GET")].map((g) => Grant.make(g)))
      // Without override nothing is taken: allowed.
      expect(Exit.isSuccess(yield* as(caller, new Commands.SetUserRole({ userAccessKey: "bob", roleCode: "viewer", overridePermissions: false })))).toBe(true)
      // A caller who also holds user:DELETE may override.
      expect(Exit.isSuccess(yield* as([...caller, grant("user", "DELETE")], new Commands.SetUserRole({ userAccessKey: "bob", roleCode: "viewer", overridePermissions: true })))).toBe(true)
      expect(yield* effective("bob")).toEqual([Grant.make(grant("user", "GET"))])
    })))

  it.effect("replacing a role takes only what the new one lacks", () =>
    world(Effect.gen(function*() {
      yield* createUser("carol")
      yield* asSystem(new Commands.CreateRole({ code: "writer", name: "Writer", permissions: [grant("role", "GET"), grant("role", "UPDATE")] }))
      yield* asSystem(new Commands.CreateRole({ code: "reader", name: "Reader", permissions: [grant("role", "GET")] }))
      yield* asSystem(new Commands.SetUserRole({ userAccessKey: "carol", roleCode: "writer", overridePermissions: false }))
      const refused = yield* as([grant("user", "UPDATE"), grant("role", "GET")], new Commands.SetUserRole({ userAccessKey: "carol", roleCode: "reader", overridePermissions: false }))
      expect(failureTag(refused)).toBe("NotRevocable")
      const allowed = yield* as([grant("user", "UPDATE"), grant("role", "GET"), grant("role", "UPDATE")], new Commands.SetUserRole({ userAccessKey: "carol", roleCode: "reader", overridePermissions: false }))
      expect(Exit.isSuccess(allowed)).toBe(true)
    })))

  it.effect("a scoped caller takes away only the instances its scope names", () =>
    world(Effect.gen(function*() {
      yield* createUser("dave")
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "dave", permissions: [scoped("user", "GET", ["alice", "bob"])] }))
      yield* asSystem(new Commands.CreateRole({ code: "alice-only", name: "Alice only", permissions: [scoped("user", "GET", ["alice"])] }))
      const onlyBob = [grant("user", "UPDATE"), scoped("user", "GET", ["bob"]), scoped("user", "GET", ["alice"])]
      // Overriding dave's grants with the role's keeps alice and takes bob: a caller reaching bob may.
      expect(Exit.isSuccess(yield* as(onlyBob, new Commands.SetUserRole({ userAccessKey: "dave", roleCode: "alice-only", overridePermissions: true })))).toBe(true)
      expect(yield* effective("dave")).toEqual([Grant.make(scoped("user", "GET", ["alice"]), ["alice"])])
    })))

  it.effect("deleteUser: a user:DELETE holder cannot delete someone holding more than it does", () =>
    world(Effect.gen(function*() {
      yield* bootstrap
      yield* createUser("erin")
      const caller = [grant("user", "DELETE")]
      expect(failureTag(yield* as(caller, new Commands.DeleteUser({ accessKey: "admin" })))).toBe("NotRevocable")
      expect(Option.isSome(yield* Queries.userByAccessKey("admin"))).toBe(true)
      expect(Exit.isSuccess(yield* as(caller, new Commands.DeleteUser({ accessKey: "erin" })))).toBe(true)
    })))

  it.effect("deleteRole: only a caller reaching the role's grants may end them", () =>
    world(Effect.gen(function*() {
      yield* asSystem(new Commands.CreateRole({ code: "powerful", name: "Powerful", permissions: [grant("user", "DELETE")] }))
      expect(failureTag(yield* as([grant("role", "DELETE")], new Commands.DeleteRole({ code: "powerful" })))).toBe("NotRevocable")
      expect(Option.isSome(yield* Queries.roleByCode("powerful"))).toBe(true)
      expect(Exit.isSuccess(yield* as([grant("role", "DELETE"), grant("user", "DELETE")], new Commands.DeleteRole({ code: "powerful" })))).toBe(true)
    })))

  it.effect("detaching from a user or a role beyond the caller's reach is refused", () =>
    world(Effect.gen(function*() {
      yield* createUser("frank")
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "frank", permissions: [grant("user", "DELETE")] }))
      yield* asSystem(new Commands.CreateRole({ code: "ops", name: "Ops", permissions: [grant("user", "DELETE")] }))
      const caller = [grant("user", "UPDATE"), grant("role", "UPDATE")]
      expect(failureTag(yield* as(caller, new Commands.DetachUserPermissions({ accessKey: "frank", permissions: [grant("user", "DELETE")] })))).toBe("NotGrantable")
      expect(failureTag(yield* as(caller, new Commands.DetachRolePermissions({ code: "ops", permissions: [grant("user", "DELETE")] })))).toBe("NotGrantable")
      expect(yield* effective("frank")).toEqual([Grant.make(grant("user", "DELETE"))])
    })))
})

describe("there is always an administrator", () => {
  it.effect("the last administrator cannot be demoted, emptied or deleted, by anyone", () =>
    world(Effect.gen(function*() {
      yield* bootstrap
      yield* asSystem(new Commands.CreateRole({ code: "empty", name: "Empty", permissions: [] }))
      const before = yield* effective("admin")
      expect(failureTag(yield* asSystem(new Commands.SetUserRole({ userAccessKey: "admin", roleCode: "empty", overridePermissions: false })))).toBe("LastAdministrator")
      expect(failureTag(yield* asSystem(new Commands.DetachRolePermissions({ code: "admin", permissions: [grant("user", "GET")] })))).toBe("LastAdministrator")
      expect(failureTag(yield* asSystem(new Commands.DeleteUser({ accessKey: "admin" })))).toBe("LastAdministrator")
      // The administrator acting on itself is no exception.
      expect(failureTag(yield* as(everything, new Commands.SetUserRole({ userAccessKey: "admin", roleCode: "empty", overridePermissions: true })))).toBe("LastAdministrator")
      expect(yield* effective("admin")).toEqual(before)
    })))

  it.effect("with a second administrator either may go, then the other is the last", () =>
    world(Effect.gen(function*() {
      yield* bootstrap
      yield* createUser("grace")
      // Grace is an administrator through her own grants, not the role.
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "grace", permissions: everything }))
      yield* asSystem(new Commands.CreateRole({ code: "empty", name: "Empty", permissions: [] }))
      expect(Exit.isSuccess(yield* asSystem(new Commands.SetUserRole({ userAccessKey: "admin", roleCode: "empty", overridePermissions: false })))).toBe(true)
      expect(failureTag(yield* asSystem(new Commands.DetachUserPermissions({ accessKey: "grace", permissions: [grant("role", "DELETE")] })))).toBe("LastAdministrator")
      expect(failureTag(yield* asSystem(new Commands.DeleteUser({ accessKey: "grace" })))).toBe("LastAdministrator")
    })))

  it.effect("a change that leaves an administrator whole is allowed: grants held twice, or a role whose holders keep theirs", () =>
    world(Effect.gen(function*() {
      yield* bootstrap
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "admin", permissions: [grant("user", "GET")] }))
      // Held through the role as well: detaching the direct copy takes nothing.
      expect(Exit.isSuccess(yield* asSystem(new Commands.DetachUserPermissions({ accessKey: "admin", permissions: [grant("user", "GET")] })))).toBe(true)
      yield* asSystem(new Commands.AttachUserPermissions({ accessKey: "admin", permissions: [grant("user", "GET")] }))
      expect(Exit.isSuccess(yield* asSystem(new Commands.DetachRolePermissions({ code: "admin", permissions: [grant("user", "GET")] })))).toBe(true)
    })))
})
