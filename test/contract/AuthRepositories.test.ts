import { describe, expect, layer } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import * as Grant from "../../src/access/Grant.js"
import * as PasswordReset from "../../src/auth/domain/PasswordReset.js"
import * as Role from "../../src/auth/domain/Role.js"
import * as User from "../../src/auth/domain/User.js"
import { PermissionCatalogue } from "../../src/auth/ports/PermissionCatalogue.js"
import { ResetTokenRepository } from "../../src/auth/ports/ResetTokenRepository.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import * as Composition from "../../src/Composition.js"
import { implementations, newRole, newUser, now } from "../support/AuthRepositories.js"
import { randomKey } from "../support/RandomRefs.js"

const scopedList = (...scope: ReadonlyArray<string>) => Grant.scoped("user", "LIST", scope)

/** The failure's tag, for asserting typed failures the same way on every implementation. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) ? exit.cause.toString() : "success")

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `auth repositories on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("UserRepository adds, finds by id and access key, and refuses a duplicate access key", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const user = { ...newUser(), permissions: [Grant.unconditional("user", "GET"), scopedList("bob", "alice"), Grant.unconditional("role", "LIST")] }
            yield* users.add(user)
            const byKey = Option.getOrThrow(yield* users.byAccessKey(user.accessKey))
            expect(byKey).toEqual({ ...user, permissions: Grant.normalize(user.permissions), version: 1 })
            expect(byKey.permissions.find((grant) => grant.isConditional)?.scope).toEqual(["alice", "bob"])
            expect(yield* users.byId(user.id)).toEqual(Option.some(byKey))
            expect(yield* users.byAccessKey(randomKey("missing"))).toEqual(Option.none())
            const duplicate = yield* Effect.exit(users.add({ ...newUser(), accessKey: user.accessKey }))
            expect(failureOf(duplicate)).toContain("UserAlreadyExists")
          }))

        it.effect("UserRepository.save replaces grants and scopes and refuses a stale version", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const role = newRole()
            yield* Effect.flatMap(RoleRepository, (roles) => roles.add(role))
            const user = newUser()
            yield* users.add(user)
            const loaded = Option.getOrThrow(yield* users.byId(user.id))
            const changed = User.setRole(User.attachPermissions(loaded, [scopedList("carol")]).state, { ...role, version: 1 }, false).state
            yield* users.save(changed)
            const reloaded = Option.getOrThrow(yield* users.byId(user.id))
            expect(reloaded.permissions).toEqual([scopedList("carol")])
            expect(reloaded.roleId).toBe(role.id)
            expect(reloaded.version).toBe(2)
            yield* users.save(User.attachPermissions(reloaded, [scopedList("*")]).state)
            expect(Option.getOrThrow(yield* users.byId(user.id)).permissions).toEqual([scopedList("*")])
            const stale = yield* Effect.exit(users.save(User.detachPermissions(loaded, [scopedList("carol")]).state))
            expect(failureOf(stale)).toContain("Conflict")
            expect(Option.getOrThrow(yield* users.byId(user.id)).permissions).toEqual([scopedList("*")])
          }))

        it.effect("UserRepository.remove deletes the user (and its grants) unless it changed since loaded", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const user = { ...newUser(), permissions: [scopedList("alice")] }
            yield* users.add(user)
            const loaded = Option.getOrThrow(yield* users.byId(user.id))
            yield* users.save(User.detachPermissions(loaded, [scopedList("*")]).state)
            expect(failureOf(yield* Effect.exit(users.remove(loaded)))).toContain("Conflict")
            yield* users.remove(Option.getOrThrow(yield* users.byId(user.id)))
            expect(yield* users.byId(user.id)).toEqual(Option.none())
            // The access key is free again.
            yield* users.add({ ...newUser(), accessKey: user.accessKey })
          }))

        it.effect("RoleRepository adds, finds by id, ids and code, saves with versions, refuses duplicates", () =>
          Effect.gen(function*() {
            const roles = yield* RoleRepository
            const role = newRole()
            yield* roles.add(role)
            const loaded = Option.getOrThrow(yield* roles.byCode(role.code))
            expect(loaded).toEqual({ ...role, version: 1 })
            expect(yield* roles.byId(role.id)).toEqual(Option.some(loaded))
            const other = newRole()
            yield* roles.add(other)
            const found = yield* roles.byIds([other.id, role.id, newRole().id])
            expect(found.map((r) => r.code).sort()).toEqual([role.code, other.code].sort())
            expect(yield* roles.byIds([])).toEqual([])
            const duplicate = yield* Effect.exit(roles.add({ ...newRole(), code: role.code }))
            expect(failureOf(duplicate)).toContain("RoleAlreadyExists")
            const scopedGet = Grant.scoped("role", "GET", ["ops"])
            yield* roles.save(Role.attachPermissions(loaded, [scopedGet]).state)
            expect(Option.getOrThrow(yield* roles.byCode(role.code)).permissions).toEqual(Grant.normalize([Grant.unconditional("user", "GET"), scopedGet]))
            expect(failureOf(yield* Effect.exit(roles.save(loaded)))).toContain("Conflict")
          }))

        it.effect("RoleRepository.remove is refused while a user holds the role, and for a stale version", () =>
          Effect.gen(function*() {
            const roles = yield* RoleRepository
            const users = yield* UserRepository
            const role = newRole()
            yield* roles.add(role)
            const stored = Option.getOrThrow(yield* roles.byId(role.id))
            const holder = User.setRole(newUser(), stored, false).state
            yield* users.add(holder)
            expect(yield* users.count({ roleId: role.id })).toBe(1)
            expect(failureOf(yield* Effect.exit(roles.remove(stored)))).toContain("RoleInUse")
            yield* users.remove(Option.getOrThrow(yield* users.byId(holder.id)))
            expect(failureOf(yield* Effect.exit(roles.remove({ ...stored, version: 0 })))).toContain("Conflict")
            yield* roles.remove(stored)
            expect(yield* roles.byId(role.id)).toEqual(Option.none())
          }))

        it.effect("PermissionCatalogue serves every module's seeded catalogue in list order", () =>
          Effect.gen(function*() {
            const catalogue = yield* PermissionCatalogue
            expect(yield* catalogue.all).toEqual(Composition.catalogue)
            expect(yield* catalogue.count({})).toBe(Composition.catalogue.length)
            expect(yield* catalogue.count({ resource: "role", action: "GET" })).toBe(2)
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
