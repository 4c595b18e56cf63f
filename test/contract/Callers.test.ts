/**
 * The Callers port on every implementation: a session with its user and role, read together, exactly
 * as the repositories store them; nothing for an unknown session; a revoked one as it is (the domain
 * decides what a revoked or expired session means).
 */
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Grant from "../../src/access/Grant.js"
import { SessionId } from "../../src/auth/domain/Ids.js"
import * as Session from "../../src/auth/domain/Session.js"
import * as User from "../../src/auth/domain/User.js"
import { Callers } from "../../src/auth/ports/Callers.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { SessionRepository } from "../../src/auth/ports/SessionRepository.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import { implementations, newRole, newUser, now } from "../support/AuthRepositories.js"
import { randomKey, uuid } from "../support/RandomRefs.js"

const signedIn = (user: User.User) =>
  Effect.gen(function*() {
    const { session, token } = Session.start({ id: SessionId(uuid()), userId: user.id, tokenHash: randomKey("hash"), now: now(), ttlMillis: 3_600_000 })
    yield* Effect.flatMap(SessionRepository, (sessions) => sessions.start(session, token))
    return session
  })

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `Callers on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("reads a session with its user and their role, each as its own repository has it", () =>
          Effect.gen(function*() {
            const users = yield* UserRepository
            const roles = yield* RoleRepository
            const role = { ...newRole(), permissions: [Grant.unconditional("user", "GET"), Grant.scoped("role", "UPDATE", ["b", "a"])] }
            yield* roles.add(role)
            const user = { ...newUser(), roleId: role.id, permissions: [Grant.scoped("user", "LIST", ["zed", "amy"])] }
            yield* users.add(user)
            const session = yield* signedIn(user)
            const found = Option.getOrThrow(yield* Effect.flatMap(Callers, (callers) => callers.bySession(session.id)))
            expect(found.session).toEqual(Option.getOrThrow(yield* Effect.flatMap(SessionRepository, (sessions) => sessions.byId(session.id))))
            expect(found.user).toEqual(Option.getOrThrow(yield* users.byId(user.id)))
            expect(found.role).toEqual(yield* roles.byId(role.id))
            expect(found.user.permissions[0]!.scope).toEqual(["amy", "zed"])
          }))

        it.effect("a user without a role, a revoked session as stored, and nothing for an unknown session", () =>
          Effect.gen(function*() {
            const user = newUser()
            yield* Effect.flatMap(UserRepository, (users) => users.add(user))
            const session = yield* signedIn(user)
            const callers = yield* Callers
            expect(Option.map(yield* callers.bySession(session.id), (found) => found.role)).toEqual(Option.some(Option.none()))
            yield* Effect.flatMap(SessionRepository, (sessions) => sessions.revoke(session.id, now(), "logout"))
            const revoked = Option.getOrThrow(yield* callers.bySession(session.id))
            expect(revoked.session.revokedReason).toBe("logout")
            expect(Session.isLive(revoked.session, now())).toBe(false)
            expect(yield* callers.bySession(SessionId(uuid()))).toEqual(Option.none())
          }))
      })
    }
  )
}
