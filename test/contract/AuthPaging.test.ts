/**
 * Every store pages like the reference: for each query (direction, size, bounds, including keys of
 * rows that do not exist), the window equals kernel/Connection's `windowOf` over the filtered rows in
 * the list's order. Memory, PGlite and PostgreSQL all answer alike, so one Relay layer serves them all.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Grant from "../../src/access/Grant.js"
import * as Permission from "../../src/access/Permission.js"
import { UserId } from "../../src/auth/domain/Ids.js"
import type { Role } from "../../src/auth/domain/Role.js"
import type { User } from "../../src/auth/domain/User.js"
import { PermissionCatalogue } from "../../src/auth/ports/PermissionCatalogue.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { type UserKey, UserRepository } from "../../src/auth/ports/UserRepository.js"
import * as Composition from "../../src/Composition.js"
import { type PageQuery, windowOf } from "../../src/kernel/Connection.js"
import { implementations, newRole, newUser } from "../support/AuthRepositories.js"
import { randomKey } from "../support/RandomRefs.js"

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Every query over these keys: both directions, sizes around the list's length, each bound absent or at each key. */
const queries = <K>(keys: ReadonlyArray<K>, length: number): ReadonlyArray<PageQuery<K>> => {
  const bounds = [Option.none<K>(), ...keys.map(Option.some)]
  return (["forward", "backward"] as const).flatMap((direction) =>
    [0, 1, 2, length - 1, length, length + 1].flatMap((size) =>
      bounds.flatMap((after) => bounds.map((before) => ({ direction, size, after, before })))
    )
  )
}

const compareUser = (user: User, key: UserKey) => user.createdAt.getTime() - key.createdAt.getTime() || text(user.id, key.id)
const compareRole = (role: Role, code: string) => text(role.code, code)

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `auth list paging on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("users: every window matches the reference, ties broken by id; counts and filters agree", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const base = Date.now()
            // Seven users over three instants, so the id must break ties.
            const created = Array.from({ length: 7 }, (_, i) => newUser(new Date(base + (i % 3))))
            yield* Effect.forEach(created, users.add)
            const stored = yield* Effect.forEach(created, (user) => Effect.map(users.byId(user.id), Option.getOrThrow))
            const sorted = [...stored].sort((a, b) => compareUser(a, b))
            const filter = { accessKeys: created.map((user) => user.accessKey) }
            // Keys of the rows, and keys between and around them that no row has (a deleted row's cursor).
            const keys: ReadonlyArray<UserKey> = [
              ...sorted.filter((_, i) => i % 2 === 0).map((user) => ({ createdAt: user.createdAt, id: user.id })),
              { createdAt: new Date(base + 1), id: UserId("00000000-0000-4000-8000-000000000000") },
              { createdAt: new Date(base + 1), id: UserId("ffffffff-ffff-4fff-bfff-ffffffffffff") },
              { createdAt: new Date(base - 1000), id: UserId("00000000-0000-4000-8000-000000000000") }
            ]
            for (const query of queries(keys, sorted.length)) {
              expect(yield* users.page(query, filter), JSON.stringify(query)).toEqual(windowOf(sorted, compareUser, query))
            }
            expect(yield* users.count(filter)).toBe(7)
            expect(yield* users.count({ accessKeys: [] })).toBe(0)
            expect((yield* users.page(queries(keys, 7)[0]!, { accessKeys: [] })).rows).toEqual([])
            const two = { accessKeys: [sorted[1]!.accessKey, sorted[4]!.accessKey, randomKey("nobody")] }
            expect(yield* users.count(two)).toBe(2)
            expect((yield* users.page({ direction: "forward", size: 10, after: Option.none(), before: Option.none() }, two)).rows)
              .toEqual([sorted[1], sorted[4]])
          }))

        it.effect("roles: every window matches the reference in code order, within the name and code filters", () =>
          Effect.gen(function*() {
            const roles = yield* RoleRepository
            const marker = randomKey("Paged")
            const codes = ["b", "a", "c-1", "c", "C", "a_b"].map((suffix) => `${marker}-${suffix}`)
            const created = codes.map((code, i) => ({ ...newRole(`${i % 2 === 0 ? "The" : "A"} ${marker} role`, code), permissions: [Grant.scoped("role", "GET", [code])] }))
            yield* Effect.forEach(created, roles.add)
            yield* roles.add(newRole(`unrelated ${randomKey("x")}`))
            const stored = yield* Effect.forEach(created, (role) => Effect.map(roles.byId(role.id), Option.getOrThrow))
            const sorted = [...stored].sort((a, b) => compareRole(a, b.code))
            const filter = { name: marker.toUpperCase() }
            const keys = [...sorted.filter((_, i) => i % 2 === 0).map((role) => role.code), `${marker}-b0`, marker, `${marker}-zzz`]
            for (const query of queries(keys, sorted.length)) {
              expect(yield* roles.page(query, filter), JSON.stringify(query)).toEqual(windowOf(sorted, compareRole, query))
            }
            expect(yield* roles.count(filter)).toBe(6)
            const scoped = { name: "", codes: [sorted[0]!.code, sorted[5]!.code] }
            expect(yield* roles.count(scoped)).toBe(2)
            const all = { direction: "forward", size: 100, after: Option.none(), before: Option.none() } as const
            expect((yield* roles.page(all, scoped)).rows).toEqual([sorted[0], sorted[5]])
            // The name filter is a literal, case-insensitive substring: '%' and '_' match only themselves.
            for (const wildcard of ["%", "P_ged"]) expect(yield* roles.count({ name: `${marker}${wildcard}` })).toBe(0)
          }))

        it.effect("permissions: every window of the catalogue matches the reference, filtered or not", () =>
          Effect.gen(function*() {
            const catalogue = yield* PermissionCatalogue
            for (const filter of [{}, { resource: "user" }, { action: "GET" as const }, { resource: "role", action: "LIST" as const }]) {
              const rows = Composition.catalogue.filter((p) =>
                (filter.resource === undefined || p.resource === filter.resource) && (filter.action === undefined || p.action === filter.action)
              )
              const keys = [rows[0], rows[Math.floor(rows.length / 2)], Permission.make("role", "GET"), Permission.make("roles", "GET")]
                .filter((key) => key !== undefined)
              for (const query of queries(keys, rows.length)) {
                expect(yield* catalogue.page(query, filter), JSON.stringify(query)).toEqual(windowOf(rows, Permission.compare, query))
              }
              expect(yield* catalogue.count(filter)).toBe(rows.length)
            }
          }))
      })
    }
  )
}
