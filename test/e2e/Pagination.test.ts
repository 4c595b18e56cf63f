/**
 * Relay cursor connections over HTTP (relay.dev/graphql/connections.htm): page walks in both
 * directions with the specification's PageInfo at every step, totals, the refusals, and cursors that
 * outlive their rows. Tests share one server and database, so each works on its own rows: roles under
 * a unique name marker, users through a caller whose LIST grant is scoped to the users it created.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Encoding } from "effect"
import { randomKey } from "../support/RandomRefs.js"
import { expectWalks, type List, pageArguments, pageFields, pageVariables, read, walk } from "../support/Connections.js"
import { adminToken, commandOk, failures, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const roles: List = {
  query: `query ($name: String, ${pageVariables}) { list: roles(name: $name, ${pageArguments}) { ${pageFields("code name")} } }`,
  id: (node) => node.code
}
const users: List = {
  query: `query (${pageVariables}) { list: users(${pageArguments}) { ${pageFields("accessKey createdAt")} } }`,
  id: (node) => node.accessKey
}
const permissions: List = {
  query: `query ($resource: String, $action: PermissionActionEnum, ${pageVariables}) {
    list: permissions(resource: $resource, action: $action, ${pageArguments}) { ${pageFields("resource action isConditional")} } }`,
  id: (node) => `${node.resource}:${node.action}${node.isConditional ? "?" : ""}`
}

/**
 * Seven roles under a fresh marker, created out of order. Their codes differ in case and punctuation,
 * so byte order (the list's order) differs from a locale's, which would put `_` first and mix cases.
 */
const suffixes = ["z", "1", "_", "A", "a", "9", "Z"] as const
const byteOrder = (codes: ReadonlyArray<string>) => [...codes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

const createRoles = Effect.gen(function*() {
  const token = yield* adminToken
  const marker = randomKey("paged")
  const codes = suffixes.map((suffix) => `${marker}-${suffix}`)
  for (const code of codes) yield* commandOk("createRole", "CreateRole", { code, name: `Role ${code}` }, token)
  return { token, marker, codes: byteOrder(codes) }
})

/** A user whose only grant is `user LIST` scoped to `scope`; their token. */
const scopedLister = (scope: ReadonlyArray<string>, token: string) =>
  Effect.gen(function*() {
    const lister = newUser("lister")
    yield* commandOk("createUser", "CreateUser", lister, token)
    yield* commandOk("attachUserPermissions", "AttachUserPermissions", {
      accessKey: lister.accessKey,
      permissions: [{ resource: "user", action: "LIST", isConditional: true, scope }]
    }, token)
    return yield* signIn(lister.accessKey, lister.password)
  })

/** Users created one after another (each creation hashes a password, so their creation times differ). */
const createUsers = (count: number, token: string) =>
  Effect.gen(function*() {
    const keys: Array<string> = []
    for (let index = 0; index < count; index++) {
      const user = newUser(`paged${index}`)
      yield* commandOk("createUser", "CreateUser", user, token)
      keys.push(user.accessKey)
    }
    return keys
  })

/** The catalogue in its list order: resource, action in code-unit order, conditional before unconditional. */
const catalogueOf = (resource: string, conditional: boolean) =>
  ["CREATE", "DELETE", "GET", "LIST", "UPDATE"].flatMap((action) =>
    conditional && action !== "CREATE" ? [`${resource}:${action}?`, `${resource}:${action}`] : [`${resource}:${action}`]
  )
const userPermissions = catalogueOf("user", true)
// The organisations module adds its own resource to the catalogue (organisations/domain/Permissions.ts).
const catalogue = [...catalogueOf("organisation", true), ...catalogueOf("permission", false), ...catalogueOf("role", true), ...userPermissions]

/** The errors of a read that should be refused. */
const ask = (list: List, token: string, variables: Record<string, unknown>) => Effect.map(graphql(list.query, variables, token), failures)

const badInput = (message: string) => ({ codes: ["BAD_USER_INPUT"], messages: [message] })

/** A cursor as the server makes them (base64url JSON of [list, key]), to forge one the server did not hand out. */
const forgedCursor = (value: unknown) => Encoding.encodeBase64Url(JSON.stringify(value))

describe("Relay connections over HTTP", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("walks roles with first/after and last/before, in code byte order, with the specification's PageInfo", () =>
      Effect.gen(function*() {
        const { codes, marker, token } = yield* createRoles
        expect(codes.map((code) => code.slice(marker.length + 1))).toEqual(["1", "9", "A", "Z", "_", "a", "z"])
        yield* expectWalks(roles, { name: marker }, codes, [1, 2, 3, 7], token)
        // Six of seven: the extra row tells there is more, on either side.
        expect(yield* read(roles, { name: marker, first: 6 }, token)).toMatchObject({
          ids: codes.slice(0, 6), hasNextPage: true, hasPreviousPage: false, totalCount: 7
        })
        expect(yield* read(roles, { name: marker, last: 6 }, token)).toMatchObject({
          ids: codes.slice(1), hasPreviousPage: true, hasNextPage: false, totalCount: 7
        })
        // Neither first nor last: the default page (20) holds all seven.
        expect(yield* read(roles, { name: marker }, token)).toMatchObject({ ids: codes, hasNextPage: false, hasPreviousPage: false })
        // The name filter is case-insensitive and matches part of the name.
        expect((yield* read(roles, { name: marker.toUpperCase().slice(2) }, token)).ids).toEqual(codes)
      }))

    it.effect("reads between two cursors, and tells what lies outside them the way the specification says", () =>
      Effect.gen(function*() {
        const { codes, marker, token } = yield* createRoles
        const cursors = (yield* read(roles, { name: marker }, token)).cursors
        const between = { name: marker, after: cursors[1], before: cursors[5] }
        // first: hasNextPage only says whether more than `first` lie inside the bounds; hasPreviousPage sees rows before `after`.
        expect(yield* read(roles, { ...between, first: 10 }, token)).toMatchObject({
          ids: codes.slice(2, 5), hasNextPage: false, hasPreviousPage: true, totalCount: 7
        })
        expect(yield* read(roles, { ...between, first: 2 }, token)).toMatchObject({
          ids: codes.slice(2, 4), hasNextPage: true, hasPreviousPage: true
        })
        // last: the mirror image; hasNextPage sees the rows from `before` on.
        expect(yield* read(roles, { ...between, last: 10 }, token)).toMatchObject({
          ids: codes.slice(2, 5), hasNextPage: true, hasPreviousPage: false, totalCount: 7
        })
        expect(yield* read(roles, { ...between, last: 2 }, token)).toMatchObject({
          ids: codes.slice(3, 5), hasNextPage: true, hasPreviousPage: true
        })
        // Past either end: no edges, null cursors, and the rows on the other side still reported.
        expect(yield* read(roles, { name: marker, after: cursors[6] }, token)).toMatchObject({
          ids: [], hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null, totalCount: 7
        })
        expect(yield* read(roles, { name: marker, last: 3, before: cursors[0] }, token)).toMatchObject({
          ids: [], hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null, totalCount: 7
        })
        // Cursors bound the list, not a filter: one from the full list pages a narrower one. (`_` is
        // literal in the name filter, not LIKE's any-character.)
        const narrower = yield* read(roles, { name: `${marker}-_`, after: cursors[0] }, token)
        expect(narrower).toMatchObject({ ids: [codes[4]], hasPreviousPage: false, totalCount: 1 })
      }))

    it.effect("answers an empty list and first: 0 with no edges and null cursors", () =>
      Effect.gen(function*() {
        const { marker, token } = yield* createRoles
        expect(yield* read(roles, { name: randomKey("no-such-role") }, token)).toEqual({
          ids: [], cursors: [], hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null, totalCount: 0
        })
        expect(yield* read(roles, { name: randomKey("no-such-role"), last: 5 }, token)).toMatchObject({
          ids: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0
        })
        // Rows exist beyond an empty page: first: 0 reports them as the next page.
        expect(yield* read(roles, { name: marker, first: 0 }, token)).toEqual({
          ids: [], cursors: [], hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null, totalCount: 7
        })
        expect(yield* read(roles, { name: marker, last: 0 }, token)).toMatchObject({
          ids: [], hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null, totalCount: 7
        })
      }))

    it.effect("pages users in creation order, limited to the caller's scoped LIST grant", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const keys = yield* createUsers(5, token)
        // Not in order, with a key nobody has: the list holds existing users only, in creation order.
        const lister = yield* scopedLister([keys[3]!, keys[0]!, randomKey("ghost"), keys[4]!, keys[2]!, keys[1]!], token)
        yield* expectWalks(users, {}, keys, [1, 2, 5], lister)
        const all = yield* graphql(users.query, {}, lister)
        // any: response data as parsed JSON.
        const createdAt: ReadonlyArray<string> = all.data!["list"].nodes.map((node: any) => node.createdAt)
        expect([...createdAt].sort()).toEqual(createdAt)
      }))

    it.effect("walks every user once, the created ones in creation order, with cursors unique", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const keys = yield* createUsers(3, token)
        const pages = yield* walk(users, {}, "forward", 2, token)
        const seen = pages.flatMap((page) => page.ids)
        expect(pages.at(-1)!.hasNextPage).toBe(false)
        expect(new Set(seen).size).toBe(seen.length)
        expect(new Set(pages.flatMap((page) => page.cursors)).size).toBe(seen.length)
        expect(seen.filter((key) => keys.includes(key))).toEqual(keys)
        expect(seen[0]).toBe(TestServerLayer.admin.accessKey)
        expect(pages.map((page) => page.totalCount)).toEqual(pages.map(() => seen.length))
        // Backward, the same users in the same order.
        const back = yield* walk(users, {}, "backward", 3, token)
        expect([...back].reverse().flatMap((page) => page.ids)).toEqual(seen)
      }))

    it.effect("pages the permission catalogue: 32 entries, 9 for users, filtered by resource and action", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        // The server's own count, not this file's list: the walks below compare the list with the server's pages.
        expect((yield* read(permissions, { first: 0 }, token)).totalCount).toBe(32)
        yield* expectWalks(permissions, {}, catalogue, [5, 10, 32], token)
        // Steps of one and two cross the boundary between a conditional and an unconditional entry.
        yield* expectWalks(permissions, { resource: "user" }, userPermissions, [1, 2, 3, 9], token)
        const gets = yield* read(permissions, { action: "GET" }, token)
        expect(gets).toMatchObject({ ids: ["organisation:GET?", "organisation:GET", "permission:GET", "role:GET?", "role:GET", "user:GET?", "user:GET"], totalCount: 7 })
        const one = yield* read(permissions, { resource: "role", action: "DELETE", first: 1 }, token)
        expect(one).toMatchObject({ ids: ["role:DELETE?"], hasNextPage: true, totalCount: 2 })
        expect(yield* read(permissions, { resource: "nothing" }, token)).toMatchObject({ ids: [], totalCount: 0, startCursor: null })
      }))

    it.effect("refuses page sizes outside 0..100 and first with last, naming the argument", () =>
      Effect.gen(function*() {
        const { marker, token } = yield* createRoles
        for (const list of [roles, users, permissions]) {
          expect(yield* ask(list, token, { first: -1 })).toEqual(badInput("first must be an integer from 0 to 100"))
          expect(yield* ask(list, token, { first: 101 })).toEqual(badInput("first must be an integer from 0 to 100"))
          expect(yield* ask(list, token, { last: -1 })).toEqual(badInput("last must be an integer from 0 to 100"))
          expect(yield* ask(list, token, { last: 101 })).toEqual(badInput("last must be an integer from 0 to 100"))
          expect(yield* ask(list, token, { first: 1, last: 1 })).toEqual(badInput("last cannot be combined with first"))
          expect(yield* ask(list, token, { first: 0, last: 0 })).toEqual(badInput("last cannot be combined with first"))
        }
        // The limits themselves are allowed.
        expect((yield* read(roles, { name: marker, first: 100 }, token)).ids).toHaveLength(7)
        expect((yield* read(roles, { name: marker, last: 100 }, token)).ids).toHaveLength(7)
        // The whole answer is null (the connection is non-null), not a partial page.
        const refused = yield* graphql(roles.query, { name: marker, first: 101 }, token)
        expect(refused.data).toBeNull()
      }))

    it.effect("refuses malformed cursors and cursors of another list, naming the argument", () =>
      Effect.gen(function*() {
        const { marker, token } = yield* createRoles
        const userCursor = (yield* read(users, { first: 1 }, token)).endCursor!
        const roleCursor = (yield* read(roles, { name: marker, first: 1 }, token)).endCursor!
        const permissionCursor = (yield* read(permissions, { first: 1 }, token)).endCursor!

        for (const malformed of ["garbage", "", "!!!", forgedCursor(["roles"]), forgedCursor({ list: "roles" }), forgedCursor(["roles", 42])]) {
          expect(yield* ask(roles, token, { name: marker, after: malformed })).toEqual(badInput("after is not a valid cursor"))
          expect(yield* ask(roles, token, { name: marker, last: 1, before: malformed })).toEqual(badInput("before is not a valid cursor"))
        }
        // The right list with a key of the wrong shape is malformed too, not a server error.
        expect(yield* ask(users, token, { after: forgedCursor(["users", { createdAt: "yesterday", id: "x" }]) }))
          .toEqual(badInput("after is not a valid cursor"))
        expect(yield* ask(permissions, token, { after: forgedCursor(["permissions", { resource: "user", action: "FLY", isConditional: false }]) }))
          .toEqual(badInput("after is not a valid cursor"))

        expect(yield* ask(roles, token, { name: marker, after: userCursor })).toEqual(badInput("after is a cursor of another list, not of roles"))
        expect(yield* ask(roles, token, { name: marker, before: permissionCursor })).toEqual(badInput("before is a cursor of another list, not of roles"))
        expect(yield* ask(users, token, { after: roleCursor })).toEqual(badInput("after is a cursor of another list, not of users"))
        expect(yield* ask(permissions, token, { before: userCursor })).toEqual(badInput("before is a cursor of another list, not of permissions"))
      }))

    it.effect("refuses a forged users cursor whose id is not a user id as a bad cursor, not a server error", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        for (const argument of ["after", "before"]) {
          const forged = forgedCursor(["users", { createdAt: "2020-01-01T00:00:00.000Z", id: "not-a-uuid" }])
          const response = yield* graphql(users.query, { [argument]: forged, ...(argument === "before" ? { last: 1 } : {}) }, token)
          expect(failures(response)).toEqual(badInput(`${argument} is not a valid cursor`))
        }
      }))

    it.effect("a cursor keeps working after its row is deleted", () =>
      Effect.gen(function*() {
        const { codes, marker, token } = yield* createRoles
        const cursors = (yield* read(roles, { name: marker }, token)).cursors
        const deleteRole = (code: string) => commandOk("deleteRole", "DeleteRole", { code }, token)
        yield* deleteRole(codes[2]!)
        yield* deleteRole(codes[0]!)
        // Forward from the deleted third row: the rest, with a row still before it.
        expect(yield* read(roles, { name: marker, first: 2, after: cursors[2] }, token)).toMatchObject({
          ids: codes.slice(3, 5), hasNextPage: true, hasPreviousPage: true, totalCount: 5
        })
        // From the deleted first row: nothing is left at or before it.
        expect(yield* read(roles, { name: marker, first: 2, after: cursors[0] }, token)).toMatchObject({
          ids: [codes[1], codes[3]], hasNextPage: true, hasPreviousPage: false, totalCount: 5
        })
        // Backward before a deleted row.
        expect(yield* read(roles, { name: marker, last: 5, before: cursors[2] }, token)).toMatchObject({
          ids: [codes[1]], hasPreviousPage: false, hasNextPage: true, totalCount: 5
        })
        yield* deleteRole(codes[6]!)
        expect(yield* read(roles, { name: marker, last: 2, before: cursors[6] }, token)).toMatchObject({
          ids: codes.slice(4, 6), hasPreviousPage: true, hasNextPage: false, totalCount: 4
        })
      }))
  })
})
