/**
 * Conditional grants with instance scopes over HTTP: a caller whose grant names some users or roles
 * reaches those and is refused (FORBIDDEN, naming the instance) on any other, existing or not; lists
 * hold and count only what is in scope; scopes show on every grant and flow from roles to holders.
 * Tests share one server, so each creates its own users and roles under unique keys.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomKey } from "../support/RandomRefs.js"
import { admin, adminToken, codes, command, commandOk, failures, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

type Action = "LIST" | "GET" | "CREATE" | "UPDATE" | "DELETE"

const scoped = (resource: string, action: Action, scope: ReadonlyArray<string>) => ({ resource, action, isConditional: true, scope })
const unconditional = (resource: string, action: Action) => ({ resource, action, isConditional: false })

const grantFields = "resource action isConditional scope"
const userQuery = `query ($key: String!) { user(accessKey: $key) { accessKey permissions { ${grantFields} } effectivePermissions { ${grantFields} } } }`
const roleQuery = `query ($code: String!) { role(code: $code) { code permissions { ${grantFields} } } }`
const usersQuery = "{ users { nodes { accessKey } totalCount } }"
const rolesQuery = `query ($name: String!) { roles(name: $name) { nodes { code permissions { ${grantFields} } } totalCount } }`

const forbidden = (message: string) => ({ codes: ["FORBIDDEN"], messages: [message] })

const createUser = (prefix: string, token: string) =>
  Effect.gen(function*() {
    const user = newUser(prefix)
    yield* commandOk("createUser", "CreateUser", user, token)
    return user
  })

const attach = (accessKey: string, permissions: ReadonlyArray<object>, token: string) =>
  commandOk("attachUserPermissions", "AttachUserPermissions", { accessKey, permissions }, token)

const detach = (accessKey: string, permissions: ReadonlyArray<object>, token: string) =>
  commandOk("detachUserPermissions", "DetachUserPermissions", { accessKey, permissions }, token)

/** A fresh user holding exactly `permissions`, signed in. */
const caller = (permissions: ReadonlyArray<object>, token: string) =>
  Effect.gen(function*() {
    const user = yield* createUser("caller", token)
    if (permissions.length > 0) yield* attach(user.accessKey, permissions, token)
    return { ...user, token: yield* signIn(user.accessKey, user.password) }
  })

/** Two fresh users to aim at: alice is in the caller's scope, bob is not. */
const targets = (token: string) =>
  Effect.all({ alice: createUser("alice", token), bob: createUser("bob", token) })

const readUser = (key: string, token: string) => graphql(userQuery, { key }, token)

const createRole = (code: string, permissions: ReadonlyArray<object>, token: string) =>
  commandOk("createRole", "CreateRole", { code, name: `Role ${code}`, permissions }, token)

describe("instance scopes over HTTP", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("user GET scoped to alice reads alice and is refused bob, whether bob exists or not", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const reader = yield* caller([scoped("user", "GET", [alice.accessKey])], token)

        const found = yield* readUser(alice.accessKey, reader.token)
        expect(found.errors).toBeUndefined()
        expect(found.data!["user"].accessKey).toBe(alice.accessKey)

        const refused = yield* readUser(bob.accessKey, reader.token)
        expect(failures(refused)).toEqual(forbidden(`Not allowed to GET user ${bob.accessKey}`))
        expect(refused.data).toEqual({ user: null })
        // A key nobody has: refused the same way, so the answer tells nothing about who exists.
        const ghost = randomKey("ghost")
        expect(failures(yield* readUser(ghost, reader.token))).toEqual(forbidden(`Not allowed to GET user ${ghost}`))
        expect(failures(yield* readUser(admin.accessKey, reader.token))).toEqual(forbidden(`Not allowed to GET user ${admin.accessKey}`))
        // GET does not imply LIST; without a grant at all the refusal names no instance.
        expect(failures(yield* graphql(usersQuery, {}, reader.token))).toEqual(forbidden("Not allowed to LIST user"))
        const nobody = yield* caller([], token)
        expect(failures(yield* readUser(alice.accessKey, nobody.token))).toEqual(forbidden("Not allowed to GET user"))
        expect(codes(yield* readUser(alice.accessKey, "not.a.token"))).toEqual(["UNAUTHENTICATED"])
      }))

    it.effect("user LIST scoped lists and counts only the users in scope", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const lister = yield* caller([scoped("user", "LIST", [bob.accessKey, randomKey("ghost"), alice.accessKey])], token)
        const listed = yield* graphql(usersQuery, {}, lister.token)
        expect(listed.errors).toBeUndefined()
        expect(listed.data!["users"]).toEqual({ nodes: [{ accessKey: alice.accessKey }, { accessKey: bob.accessKey }], totalCount: 2 })
        const everyone = yield* graphql(usersQuery, {}, token)
        expect(everyone.data!["users"].totalCount).toBeGreaterThan(3)
        // LIST does not imply GET: no GET grant at all, so the refusal names no instance.
        expect(failures(yield* readUser(alice.accessKey, lister.token))).toEqual(forbidden("Not allowed to GET user"))
      }))

    it.effect("user UPDATE scoped changes alice's grants and is refused bob's", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        // The editor holds what it hands out (user LIST): a caller grants only within its own reach.
        const editor = yield* caller([scoped("user", "UPDATE", [alice.accessKey]), unconditional("user", "LIST")], token)
        const grant = [unconditional("user", "LIST")]
        const forAlice = { accessKey: alice.accessKey, permissions: grant }
        const forBob = { accessKey: bob.accessKey, permissions: grant }

        expect((yield* command("attachUserPermissions", "AttachUserPermissions", forAlice, editor.token)).data)
          .toEqual({ attachUserPermissions: { status: "PERMISSIONS_ATTACHED", message: `Permissions attached to user ${alice.accessKey}` } })
        const refused = yield* command("attachUserPermissions", "AttachUserPermissions", forBob, editor.token)
        expect(failures(refused)).toEqual(forbidden(`Not allowed to UPDATE user ${bob.accessKey}`))
        expect(failures(yield* command("detachUserPermissions", "DetachUserPermissions", forBob, editor.token)))
          .toEqual(forbidden(`Not allowed to UPDATE user ${bob.accessKey}`))
        // setUserRole names its user as `userAccessKey`: checked before the (missing) role is looked up.
        const role = { roleCode: randomKey("missing") }
        expect(failures(yield* command("setUserRole", "SetUserRole", { ...role, userAccessKey: bob.accessKey }, editor.token)))
          .toEqual(forbidden(`Not allowed to UPDATE user ${bob.accessKey}`))
        expect(codes(yield* command("setUserRole", "SetUserRole", { ...role, userAccessKey: alice.accessKey }, editor.token)))
          .toEqual(["ROLE_NOT_FOUND"])

        expect((yield* readUser(alice.accessKey, token)).data!["user"].permissions).toEqual([{ ...grant[0], scope: [] }])
        expect((yield* readUser(bob.accessKey, token)).data!["user"].permissions).toEqual([])
      }))

    it.effect("no escalation: a caller cannot hand out, revoke or assign access beyond its own grants", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        // The caller may update alice, and nobody else.
        const self = yield* caller([scoped("user", "UPDATE", [alice.accessKey])], token)
        const beyond = (permission: string) =>
          ({ codes: ["FORBIDDEN"], messages: [`Not allowed to hand out what your own grants do not reach: ${permission}`] })
        const attach = (permissions: ReadonlyArray<unknown>) =>
          command("attachUserPermissions", "AttachUserPermissions", { accessKey: alice.accessKey, permissions }, self.token)
        expect(failures(yield* attach([unconditional("user", "UPDATE")]))).toEqual(beyond("user:UPDATE"))
        expect(failures(yield* attach([scoped("user", "UPDATE", [bob.accessKey])]))).toEqual(beyond("user:UPDATE (conditional)"))
        expect(failures(yield* attach([unconditional("role", "CREATE")]))).toEqual(beyond("role:CREATE"))
        // The admin role holds everything: assigning it would hand all of that out.
        expect(failures(yield* command("setUserRole", "SetUserRole", { userAccessKey: alice.accessKey, roleCode: "admin" }, self.token)))
          .toEqual(beyond(["organisation", "permission", "role", "user"].flatMap((r) => ["CREATE", "DELETE", "GET", "LIST", "UPDATE"].map((a) => `${r}:${a}`))
            .join(", ")))
        // Within reach: the grant it holds, for the instance it holds it on.
        expect(codes(yield* attach([scoped("user", "UPDATE", [alice.accessKey])]))).toEqual([])
        // Only that one landed; nothing beyond reach did.
        expect((yield* readUser(alice.accessKey, token)).data!["user"].permissions).toEqual([scoped("user", "UPDATE", [alice.accessKey])])
      }))

    it.effect("user DELETE scoped deletes alice and is refused bob", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const remover = yield* caller([scoped("user", "DELETE", [alice.accessKey])], token)
        expect(failures(yield* command("deleteUser", "DeleteUser", { accessKey: bob.accessKey }, remover.token)))
          .toEqual(forbidden(`Not allowed to DELETE user ${bob.accessKey}`))
        expect((yield* readUser(bob.accessKey, token)).data!["user"].accessKey).toBe(bob.accessKey)

        expect((yield* command("deleteUser", "DeleteUser", { accessKey: alice.accessKey }, remover.token)).data)
          .toEqual({ deleteUser: { status: "USER_DELETED", message: `User ${alice.accessKey} deleted` } })
        expect((yield* readUser(alice.accessKey, token)).data).toEqual({ user: null })
        // Still in scope, now gone.
        expect(codes(yield* command("deleteUser", "DeleteUser", { accessKey: alice.accessKey }, remover.token))).toEqual(["USER_NOT_FOUND"])
      }))

    it.effect("role GET/LIST/UPDATE/DELETE scoped to a role code reach that role only", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const marker = randomKey("scoped-role")
        const mine = `${marker}-mine`
        const other = `${marker}-other`
        yield* createRole(mine, [], token)
        yield* createRole(other, [], token)
        // It also holds permission LIST, so it may hand that out.
        const manager = yield* caller(
          [...(["GET", "LIST", "UPDATE", "DELETE"] as const).map((action) => scoped("role", action, [mine])), unconditional("permission", "LIST")],
          token
        )
        const grant = { permissions: [unconditional("permission", "LIST")] }

        expect((yield* graphql(roleQuery, { code: mine }, manager.token)).data!["role"].code).toBe(mine)
        expect(failures(yield* graphql(roleQuery, { code: other }, manager.token))).toEqual(forbidden(`Not allowed to GET role ${other}`))
        const listed = yield* graphql(rolesQuery, { name: marker }, manager.token)
        expect(listed.data!["roles"]).toEqual({ nodes: [{ code: mine, permissions: [] }], totalCount: 1 })
        expect((yield* graphql(rolesQuery, { name: marker }, token)).data!["roles"].totalCount).toBe(2)

        expect(codes(yield* command("attachRolePermissions", "AttachRolePermissions", { code: mine, ...grant }, manager.token))).toEqual([])
        expect(failures(yield* command("attachRolePermissions", "AttachRolePermissions", { code: other, ...grant }, manager.token)))
          .toEqual(forbidden(`Not allowed to UPDATE role ${other}`))
        expect(failures(yield* command("detachRolePermissions", "DetachRolePermissions", { code: other, ...grant }, manager.token)))
          .toEqual(forbidden(`Not allowed to UPDATE role ${other}`))
        expect((yield* graphql(roleQuery, { code: mine }, token)).data!["role"].permissions)
          .toEqual([{ ...grant.permissions[0], scope: [] }])
        expect((yield* graphql(roleQuery, { code: other }, token)).data!["role"].permissions).toEqual([])

        expect(failures(yield* command("deleteRole", "DeleteRole", { code: other }, manager.token)))
          .toEqual(forbidden(`Not allowed to DELETE role ${other}`))
        expect((yield* command("deleteRole", "DeleteRole", { code: mine }, manager.token)).data)
          .toEqual({ deleteRole: { status: "ROLE_DELETED", message: `Role ${mine} deleted` } })
        expect((yield* graphql(rolesQuery, { name: marker }, token)).data!["roles"].nodes).toEqual([{ code: other, permissions: [] }])
        // Creating needs role CREATE, which no scope gives.
        expect(failures(yield* command("createRole", "CreateRole", { code: `${marker}-new`, name: "New" }, manager.token)))
          .toEqual(forbidden("Not allowed to CREATE role"))
      }))

    it.effect("a `*` scope reaches every user, existing now or later", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const reader = yield* caller([scoped("user", "GET", [alice.accessKey, "*"]), scoped("user", "LIST", ["*"])], token)
        const later = yield* createUser("later", token)
        for (const key of [alice.accessKey, bob.accessKey, later.accessKey, admin.accessKey]) {
          expect((yield* readUser(key, reader.token)).data!["user"].accessKey).toBe(key)
        }
        const listed = yield* graphql(usersQuery, {}, reader.token)
        expect(listed.data!["users"].totalCount).toBe((yield* graphql(usersQuery, {}, token)).data!["users"].totalCount)
        // Kept canonical: `*` alone.
        expect((yield* readUser(reader.accessKey, token)).data!["user"].permissions).toEqual([
          { resource: "user", action: "GET", isConditional: true, scope: ["*"] },
          { resource: "user", action: "LIST", isConditional: true, scope: ["*"] }
        ])
        // A missing user is now looked up and not found, rather than refused.
        expect((yield* readUser(randomKey("ghost"), reader.token)).data).toEqual({ user: null })
      }))

    it.effect("scopes show on own, role and effective grants, sorted and merged; unconditional grants show an empty scope", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const carol = yield* createUser("carol", token)
        const code = randomKey("readers")
        yield* createRole(code, [scoped("user", "GET", [carol.accessKey, alice.accessKey]), unconditional("permission", "LIST")], token)
        const holder = yield* caller([scoped("user", "GET", [bob.accessKey, bob.accessKey]), unconditional("user", "LIST")], token)
        yield* commandOk("setUserRole", "SetUserRole", { userAccessKey: holder.accessKey, roleCode: code }, token)

        const [first, second] = [alice.accessKey, carol.accessKey].sort()
        expect((yield* graphql(roleQuery, { code }, token)).data!["role"].permissions).toEqual([
          { resource: "permission", action: "LIST", isConditional: false, scope: [] },
          { resource: "user", action: "GET", isConditional: true, scope: [first, second] }
        ])
        expect((yield* graphql(rolesQuery, { name: code }, token)).data!["roles"].nodes[0].permissions)
          .toEqual((yield* graphql(roleQuery, { code }, token)).data!["role"].permissions)
        const shown = (yield* readUser(holder.accessKey, token)).data!["user"]
        expect(shown.permissions).toEqual([
          { resource: "user", action: "GET", isConditional: true, scope: [bob.accessKey] },
          { resource: "user", action: "LIST", isConditional: false, scope: [] }
        ])
        expect(shown.effectivePermissions).toEqual([
          { resource: "permission", action: "LIST", isConditional: false, scope: [] },
          { resource: "user", action: "GET", isConditional: true, scope: [alice.accessKey, bob.accessKey, carol.accessKey].sort() },
          { resource: "user", action: "LIST", isConditional: false, scope: [] }
        ])
        // The caller's own view agrees.
        const me = yield* graphql(`{ me { effectivePermissions { ${grantFields} } } }`, {}, holder.token)
        expect(me.data!["me"].effectivePermissions).toEqual(shown.effectivePermissions)

        // Authorization follows the merged scope: the role's instances and the user's own.
        for (const key of [alice.accessKey, bob.accessKey, carol.accessKey]) {
          expect((yield* readUser(key, holder.token)).data!["user"].accessKey).toBe(key)
        }
        expect(failures(yield* readUser(admin.accessKey, holder.token))).toEqual(forbidden(`Not allowed to GET user ${admin.accessKey}`))
      }))

    it.effect("detaching a scoped instance narrows access from the next request", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const reader = yield* caller([scoped("user", "GET", [alice.accessKey, bob.accessKey])], token)
        expect(codes(yield* readUser(bob.accessKey, reader.token))).toEqual([])

        yield* detach(reader.accessKey, [scoped("user", "GET", [bob.accessKey])], token)
        // The same token: grants are read on every request.
        expect(failures(yield* readUser(bob.accessKey, reader.token))).toEqual(forbidden(`Not allowed to GET user ${bob.accessKey}`))
        expect(codes(yield* readUser(alice.accessKey, reader.token))).toEqual([])
        expect((yield* readUser(reader.accessKey, token)).data!["user"].permissions)
          .toEqual([{ resource: "user", action: "GET", isConditional: true, scope: [alice.accessKey] }])

        // `*` removes the whole grant.
        yield* attach(reader.accessKey, [scoped("user", "GET", [bob.accessKey])], token)
        yield* detach(reader.accessKey, [scoped("user", "GET", ["*"])], token)
        expect(failures(yield* readUser(alice.accessKey, reader.token))).toEqual(forbidden("Not allowed to GET user"))
        expect((yield* readUser(reader.accessKey, token)).data!["user"].permissions).toEqual([])
      }))

    it.effect("detaching a scoped instance from a role narrows its holders", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const { alice, bob } = yield* targets(token)
        const code = randomKey("narrowed")
        yield* createRole(code, [scoped("user", "DELETE", [alice.accessKey, bob.accessKey])], token)
        const holder = yield* caller([], token)
        yield* commandOk("setUserRole", "SetUserRole", { userAccessKey: holder.accessKey, roleCode: code }, token)
        yield* commandOk("detachRolePermissions", "DetachRolePermissions", { code, permissions: [scoped("user", "DELETE", [bob.accessKey])] }, token)

        expect(failures(yield* command("deleteUser", "DeleteUser", { accessKey: bob.accessKey }, holder.token)))
          .toEqual(forbidden(`Not allowed to DELETE user ${bob.accessKey}`))
        expect((yield* command("deleteUser", "DeleteUser", { accessKey: alice.accessKey }, holder.token)).data!["deleteUser"].status)
          .toBe("USER_DELETED")
      }))

    it.effect("refuses a conditional grant without a scope, and an unconditional one with a scope, as BAD_USER_INPUT", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const target = yield* createUser("target", token)
        const attachOne = (permission: object) =>
          command("attachUserPermissions", "AttachUserPermissions", { accessKey: target.accessKey, permissions: [permission] }, token)
        const refusals = [
          { resource: "user", action: "GET", isConditional: true },
          { resource: "user", action: "GET", isConditional: true, scope: null },
          { resource: "user", action: "GET", isConditional: true, scope: [] },
          { resource: "user", action: "GET", isConditional: false, scope: [target.accessKey] },
          { resource: "user", action: "GET", isConditional: false, scope: ["*"] },
          { resource: "user", action: "GET", isConditional: true, scope: ["two words"] },
          { resource: "user", action: "GET", isConditional: true, scope: [""] }
        ]
        for (const permission of refusals) {
          const response = yield* attachOne(permission)
          expect(codes(response), JSON.stringify(permission)).toEqual(["BAD_USER_INPUT"])
          expect(response.errors![0]!.message, JSON.stringify(permission)).toMatch(/^scope /)
        }
        // Creating a role checks the same way, and creates nothing.
        const code = randomKey("refused")
        const refusedRole = yield* command("createRole", "CreateRole", {
          code, name: "Refused", permissions: [{ resource: "role", action: "UPDATE", isConditional: true }]
        }, token)
        expect(codes(refusedRole)).toEqual(["BAD_USER_INPUT"])
        expect((yield* graphql(roleQuery, { code }, token)).data).toEqual({ role: null })
        expect((yield* readUser(target.accessKey, token)).data!["user"].permissions).toEqual([])
      }))

    it.effect("refuses to delete a role while anyone holds it (ROLE_IN_USE), and deletes it once nobody does", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const code = randomKey("held")
        yield* createRole(code, [], token)
        const holder = yield* createUser("holder", token)
        yield* commandOk("setUserRole", "SetUserRole", { userAccessKey: holder.accessKey, roleCode: code }, token)

        const refused = yield* command("deleteRole", "DeleteRole", { code }, token)
        expect(codes(refused)).toEqual(["ROLE_IN_USE"])
        expect(refused.errors![0]!.message).toContain(code)
        expect((yield* graphql(roleQuery, { code }, token)).data!["role"].code).toBe(code)
        expect(codes(yield* command("deleteRole", "DeleteRole", { code: "admin" }, token))).toEqual(["ROLE_IN_USE"])

        yield* commandOk("deleteUser", "DeleteUser", { accessKey: holder.accessKey }, token)
        expect((yield* command("deleteRole", "DeleteRole", { code }, token)).data!["deleteRole"].status).toBe("ROLE_DELETED")
        expect((yield* graphql(roleQuery, { code }, token)).data).toEqual({ role: null })
      }))
  })
})
