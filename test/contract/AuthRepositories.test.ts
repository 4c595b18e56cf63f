import { describe, expect, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import * as MemoryCatalogue from "../../src/auth/adapters/memory/PermissionCatalogueMemory.js"
import * as MemoryResetTokens from "../../src/auth/adapters/memory/ResetTokenRepositoryMemory.js"
import * as MemoryRoles from "../../src/auth/adapters/memory/RoleRepositoryMemory.js"
import * as MemoryUsers from "../../src/auth/adapters/memory/UserRepositoryMemory.js"
import * as PgCatalogue from "../../src/auth/adapters/postgres/PermissionCataloguePg.js"
import * as PgResetTokens from "../../src/auth/adapters/postgres/ResetTokenRepositoryPg.js"
import * as PgRoles from "../../src/auth/adapters/postgres/RoleRepositoryPg.js"
import * as PgUsers from "../../src/auth/adapters/postgres/UserRepositoryPg.js"
import * as Catalogue from "../../src/auth/domain/Catalogue.js"
import { RoleId, UserId } from "../../src/auth/domain/Ids.js"
import * as PasswordReset from "../../src/auth/domain/PasswordReset.js"
import * as Permission from "../../src/auth/domain/Permission.js"
import * as Role from "../../src/auth/domain/Role.js"
import * as User from "../../src/auth/domain/User.js"
import { PermissionCatalogue } from "../../src/auth/ports/PermissionCatalogue.js"
import { ResetTokenRepository } from "../../src/auth/ports/ResetTokenRepository.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import { backends } from "../support/TestDatabases.js"
import { randomKey, uuid } from "../support/RandomRefs.js"

type Ports = UserRepository | RoleRepository | PermissionCatalogue | ResetTokenRepository

const memory: Layer.Layer<Ports> = Layer.mergeAll(MemoryUsers.layer, MemoryRoles.layer, MemoryCatalogue.layer, MemoryResetTokens.layer)
const sql = Layer.mergeAll(PgUsers.layer, PgRoles.layer, PgCatalogue.layer, PgResetTokens.layer)

const implementations = [
  { name: "memory", layer: (): Layer.Layer<Ports, unknown> => memory, skip: undefined },
  ...backends.map((backend) => ({ name: backend.name, layer: (): Layer.Layer<Ports, unknown> => Layer.provide(sql, backend.layer()), skip: backend.skip }))
]

// Whole milliseconds, as JavaScript dates are; the SQL columns keep them exactly.
const now = () => new Date(Math.floor(Date.now()))
const grant = (resource: string, action: Permission.Action, isConditional = false) => Permission.make(resource, action, isConditional)

const newUser = () =>
  User.register({ id: UserId(uuid()), accessKey: randomKey("user"), email: "someone@example.com", name: "Someone", passwordHash: "$argon2id$fake", now: now() }).state

const newRole = (name = "Role") =>
  Role.create({ id: RoleId(uuid()), code: randomKey("role"), name, permissions: [grant("user", "GET")], now: now() }).pipe(
    Effect.map((decision) => decision.state)
  )

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `auth repositories on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("UserRepository adds, finds by id and access key, and refuses a duplicate access key", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const user = { ...newUser(), permissions: [grant("user", "GET"), grant("role", "LIST")] }
            yield* users.add(user)
            const byKey = Option.getOrThrow(yield* users.byAccessKey(user.accessKey))
            expect(byKey).toEqual({ ...user, permissions: Permission.normalize(user.permissions), version: 1 })
            expect(yield* users.byId(user.id)).toEqual(Option.some(byKey))
            expect(yield* users.byAccessKey(randomKey("missing"))).toEqual(Option.none())
            const duplicate = yield* Effect.exit(users.add({ ...newUser(), accessKey: user.accessKey }))
            expect(Exit.isFailure(duplicate) && duplicate.cause.toString()).toContain("UserAlreadyExists")
          }))

        it.effect("UserRepository.save replaces grants and refuses a stale version", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const role = yield* newRole()
            yield* Effect.flatMap(RoleRepository, (roles) => roles.add(role))
            const user = newUser()
            yield* users.add(user)
            const loaded = Option.getOrThrow(yield* users.byId(user.id))
            const changed = User.setRole(User.attachPermissions(loaded, [grant("user", "LIST", true)]).state, { ...role, version: 1 }, false).state
            yield* users.save(changed)
            const reloaded = Option.getOrThrow(yield* users.byId(user.id))
            expect(reloaded.permissions).toEqual([grant("user", "LIST", true)])
            expect(reloaded.roleId).toBe(role.id)
            expect(reloaded.version).toBe(2)
            const stale = yield* Effect.exit(users.save(User.detachPermissions(loaded, [grant("user", "LIST", true)]).state))
            expect(Exit.isFailure(stale) && stale.cause.toString()).toContain("Conflict")
            expect(Option.getOrThrow(yield* users.byId(user.id)).permissions).toEqual([grant("user", "LIST", true)])
          }))

        it.effect("UserRepository.list is in creation order and honours the limit; count grows with adds", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const before = yield* users.count
            yield* users.add(newUser())
            expect(yield* users.count).toBe(before + 1)
            const all = yield* users.list({ limit: 1000 })
            const times = all.map((user) => user.createdAt.getTime())
            expect(times).toEqual([...times].sort((a, b) => a - b))
            expect(yield* users.list({ limit: 1 })).toHaveLength(1)
          }))

        it.effect("RoleRepository adds, finds, saves with versions, refuses duplicates, lists by name", () =>
          Effect.gen(function*() {
            const roles = yield* RoleRepository
            const marker = randomKey("Name")
            const role = yield* newRole(`The ${marker} role`)
            yield* roles.add(role)
            const loaded = Option.getOrThrow(yield* roles.byCode(role.code))
            expect(loaded).toEqual({ ...role, version: 1 })
            expect(yield* roles.byId(role.id)).toEqual(Option.some(loaded))
            const duplicate = yield* Effect.exit(roles.add({ ...(yield* newRole()), code: role.code }))
            expect(Exit.isFailure(duplicate) && duplicate.cause.toString()).toContain("RoleAlreadyExists")
            yield* roles.save(Role.attachPermissions(loaded, [grant("role", "GET")]).state)
            expect(Option.getOrThrow(yield* roles.byCode(role.code)).permissions).toEqual(Permission.normalize([grant("user", "GET"), grant("role", "GET")]))
            const stale = yield* Effect.exit(roles.save(loaded))
            expect(Exit.isFailure(stale) && stale.cause.toString()).toContain("Conflict")
            // The filter is a literal, case-insensitive substring: '%' and '_' match only themselves.
            expect((yield* roles.list({ name: marker.toUpperCase(), limit: 10 })).map((r) => r.code)).toEqual([role.code])
            for (const wildcard of ["%", "N_me"]) {
              expect((yield* roles.list({ name: wildcard, limit: 1000 })).map((r) => r.code)).not.toContain(role.code)
            }
          }))

        it.effect("PermissionCatalogue serves the seeded catalogue in canonical order, filtered", () =>
          Effect.gen(function*() {
            const catalogue = yield* PermissionCatalogue
            expect(yield* catalogue.all).toEqual(Catalogue.seeded)
            expect(yield* catalogue.list({ limit: 1000 })).toEqual(Catalogue.seeded)
            expect(yield* catalogue.list({ resource: "role", action: "GET", limit: 10 })).toEqual([grant("role", "GET", true), grant("role", "GET")])
            expect(yield* catalogue.list({ limit: 3 })).toEqual(Catalogue.seeded.slice(0, 3))
          }))

        it.effect("ResetTokenRepository stores by hash and lets a token be marked used once", () =>
          Effect.gen(function*() {
            const user = newUser()
            yield* Effect.flatMap(UserRepository, (users) => users.add(user))
            const tokens = yield* ResetTokenRepository
            const token = PasswordReset.issue({ tokenHash: randomKey("hash"), userId: user.id, now: now(), ttlMillis: 60_000 })
            yield* tokens.add(token)
            expect(yield* tokens.byHash(token.tokenHash)).toEqual(Option.some(token))
            const used = { ...token, usedAt: now() }
            expect(yield* tokens.markUsed(used)).toBe(true)
            expect(yield* tokens.markUsed(used)).toBe(false)
            expect(yield* tokens.byHash(token.tokenHash)).toEqual(Option.some(used))
            expect(yield* tokens.byHash(randomKey("missing"))).toEqual(Option.none())
          }))
      })
    }
  )
}
