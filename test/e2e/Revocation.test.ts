/**
 * Taking grants away over HTTP, as an attacker holding `user UPDATE` would try it: emptying the
 * administrator through an empty role, wiping a user's grants with overridePermissions, deleting
 * someone who holds more. And the last administrator, whom nobody can demote or delete.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomKey } from "../support/RandomRefs.js"
import { admin, adminToken, codes, command, commandOk, failures, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

type Action = "LIST" | "GET" | "CREATE" | "UPDATE" | "DELETE"
const unconditional = (resource: string, action: Action) => ({ resource, action, isConditional: false })

const effectiveQuery = "query ($key: String!) { user(accessKey: $key) { role { code } effectivePermissions { resource action } } }"

/** A fresh user holding exactly `permissions`, signed in. */
const caller = (permissions: ReadonlyArray<object>, token: string) =>
  Effect.gen(function*() {
    const user = newUser("caller")
    yield* commandOk("createUser", "CreateUser", user, token)
    if (permissions.length > 0) yield* commandOk("attachUserPermissions", "AttachUserPermissions", { accessKey: user.accessKey, permissions }, token)
    return { ...user, token: yield* signIn(user.accessKey, user.password) }
  })

const emptyRole = (token: string) =>
  Effect.gen(function*() {
    const code = randomKey("empty")
    yield* commandOk("createRole", "CreateRole", { code, name: "Nothing", permissions: [] }, token)
    return code
  })

describe("revocation needs the caller to reach what it takes", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("a user:UPDATE holder cannot empty the administrator with an empty role: FORBIDDEN, nothing changed", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const code = yield* emptyRole(token)
        const attacker = yield* caller([unconditional("user", "UPDATE"), unconditional("user", "GET")], token)
        const before = yield* graphql(effectiveQuery, { key: admin.accessKey }, token)
        const refused = yield* command("setUserRole", "SetUserRole", { userAccessKey: admin.accessKey, roleCode: code, overridePermissions: false }, attacker.token)
        expect(codes(refused)).toEqual(["FORBIDDEN"])
        expect(failures(refused).messages[0]).toContain("Not allowed to take away what your own grants do not reach")
        expect(yield* graphql(effectiveQuery, { key: admin.accessKey }, token)).toEqual(before)
        // The administrator still administers.
        expect((yield* graphql("{ users(first: 1) { totalCount } }", {}, token)).errors).toBeUndefined()
      }))

    it.effect("overridePermissions cannot wipe grants beyond the caller's, and deleteUser cannot remove someone holding more", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const victim = yield* caller([unconditional("role", "DELETE"), unconditional("user", "GET")], token)
        const code = randomKey("viewer")
        yield* commandOk("createRole", "CreateRole", { code, name: "Viewer", permissions: [unconditional("user", "GET")] }, token)
        const attacker = yield* caller([unconditional("user", "UPDATE"), unconditional("user", "GET"), unconditional("user", "DELETE")], token)
        const wipe = yield* command("setUserRole", "SetUserRole", { userAccessKey: victim.accessKey, roleCode: code, overridePermissions: true }, attacker.token)
        expect(codes(wipe)).toEqual(["FORBIDDEN"])
        const deleted = yield* command("deleteUser", "DeleteUser", { accessKey: victim.accessKey }, attacker.token)
        expect(codes(deleted)).toEqual(["FORBIDDEN"])
        const victimNow = yield* graphql(effectiveQuery, { key: victim.accessKey }, token)
        expect(victimNow.data!["user"]).toEqual({ role: null, effectivePermissions: [{ resource: "role", action: "DELETE" }, { resource: "user", action: "GET" }] })
      }))
  })
})

describe("there is always an administrator, over HTTP", () => {
  // A server of its own: these tests demote its administrator.
  layer(TestServerLayer.make(), { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("the only administrator cannot demote or delete itself: LAST_ADMINISTRATOR; with a second one it can", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const code = yield* emptyRole(token)
        const demote = { userAccessKey: admin.accessKey, roleCode: code, overridePermissions: false }
        const refused = yield* command("setUserRole", "SetUserRole", demote, token)
        expect(codes(refused)).toEqual(["LAST_ADMINISTRATOR"])
        expect(codes(yield* command("deleteUser", "DeleteUser", { accessKey: admin.accessKey }, token))).toEqual(["LAST_ADMINISTRATOR"])
        expect(codes(yield* command("detachRolePermissions", "DetachRolePermissions", { code: "admin", permissions: [unconditional("user", "GET")] }, token)))
          .toEqual(["LAST_ADMINISTRATOR"])
        expect((yield* graphql(effectiveQuery, { key: admin.accessKey }, token)).data!["user"].role).toEqual({ code: "admin" })

        const second = newUser("second")
        yield* commandOk("createUser", "CreateUser", second, token)
        yield* commandOk("setUserRole", "SetUserRole", { userAccessKey: second.accessKey, roleCode: "admin", overridePermissions: false }, token)
        yield* commandOk("setUserRole", "SetUserRole", demote, token)
        const secondToken = yield* signIn(second.accessKey, second.password)
        expect(codes(yield* command("deleteUser", "DeleteUser", { accessKey: second.accessKey }, secondToken))).toEqual(["LAST_ADMINISTRATOR"])
      }))
  })
})
