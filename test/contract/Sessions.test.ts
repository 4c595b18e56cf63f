import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SessionId } from "../../src/auth/domain/Ids.js"
import * as Session from "../../src/auth/domain/Session.js"
import { SessionRepository } from "../../src/auth/ports/SessionRepository.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import { implementations, newUser, now } from "../support/AuthRepositories.js"
import { randomKey, uuid } from "../support/RandomRefs.js"

const hour = 3_600_000

/** A stored user with a fresh session started at `at`. */
const started = (at = now(), ttlMillis = hour) =>
  Effect.gen(function*() {
    const user = newUser()
    yield* Effect.flatMap(UserRepository, (users) => users.add(user))
    const { session, token } = Session.start({ id: SessionId(uuid()), userId: user.id, tokenHash: randomKey("hash"), now: at, ttlMillis })
    yield* Effect.flatMap(SessionRepository, (sessions) => sessions.start(session, token))
    return { user, session, token }
  })

const rotation = (session: Session.Session, token: Session.RefreshToken, at: Date, ttlMillis = hour) => {
  const redemption = Session.redeem(session, token, { tokenHash: randomKey("hash"), now: at, ttlMillis })
  if (redemption._tag !== "Rotate") throw new Error(`expected a rotation, got ${redemption._tag}`)
  return redemption
}

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `SessionRepository on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("starts a session and finds it by id and its token by hash", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const { session, token } = yield* started()
            expect(yield* sessions.byId(session.id)).toEqual(Option.some(session))
            expect(yield* sessions.tokenByHash(token.tokenHash)).toEqual(Option.some(token))
            expect(yield* sessions.byId(SessionId(uuid()))).toEqual(Option.none())
            expect(yield* sessions.tokenByHash(randomKey("missing"))).toEqual(Option.none())
          }))

        it.effect("rotate spends a token once: the second rotation changes nothing", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const { session, token } = yield* started()
            const later = new Date(token.issuedAt.getTime() + 60_000)
            const first = rotation(session, token, later)
            expect(yield* sessions.rotate(first)).toBe(true)
            expect(yield* sessions.tokenByHash(token.tokenHash)).toEqual(Option.some(first.spent))
            expect(yield* sessions.tokenByHash(first.next.tokenHash)).toEqual(Option.some(first.next))
            expect(Option.getOrThrow(yield* sessions.byId(session.id)).expiresAt).toEqual(first.next.expiresAt)
            const second = rotation(session, token, later)
            expect(yield* sessions.rotate(second)).toBe(false)
            expect(yield* sessions.tokenByHash(second.next.tokenHash)).toEqual(Option.none())
          }))

        it.effect("of racing rotations with one token, exactly one wins", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const { session, token } = yield* started()
            const at = new Date(token.issuedAt.getTime() + 1000)
            const attempts = Array.from({ length: 8 }, () => rotation(session, token, at))
            const won = yield* Effect.forEach(attempts, sessions.rotate, { concurrency: "unbounded" })
            expect(won.filter(Boolean)).toHaveLength(1)
            const stored = yield* Effect.forEach(attempts, (attempt) => sessions.tokenByHash(attempt.next.tokenHash))
            expect(stored.filter(Option.isSome)).toHaveLength(1)
          }))

        it.effect("rotate drops the family's expired tokens, keeping the spent ones still in date", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const { session, token } = yield* started(now(), 1000)
            const first = rotation(session, token, new Date(token.issuedAt.getTime() + 500), hour)
            yield* sessions.rotate(first)
            // The first token (1 s) has expired by now; the second (1 h) is spent but in date.
            const second = rotation(first.session, first.next, new Date(token.issuedAt.getTime() + 2000), hour)
            yield* sessions.rotate(second)
            expect(yield* sessions.tokenByHash(token.tokenHash)).toEqual(Option.none())
            expect(yield* sessions.tokenByHash(first.next.tokenHash)).toEqual(Option.some(second.spent))
          }))

        it.effect("revoke keeps the first reason; revokeAllOf reaches every session of that user only", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const { session } = yield* started()
            const at = now()
            yield* sessions.revoke(session.id, at, "refresh-token-reused")
            yield* sessions.revoke(session.id, new Date(at.getTime() + 1000), "logout")
            expect(yield* sessions.byId(session.id)).toEqual(Option.some({ ...session, revokedAt: at, revokedReason: "refresh-token-reused" }))

            const mine = yield* started()
            const other = Session.start({ id: SessionId(uuid()), userId: mine.user.id, tokenHash: randomKey("hash"), now: now(), ttlMillis: hour })
            yield* sessions.start(other.session, other.token)
            const theirs = yield* started()
            yield* sessions.revokeAllOf(mine.user.id, at, "password-changed")
            for (const id of [mine.session.id, other.session.id]) {
              expect(Option.getOrThrow(yield* sessions.byId(id)).revokedReason).toBe("password-changed")
            }
            expect(Option.getOrThrow(yield* sessions.byId(theirs.session.id)).revokedAt).toBeNull()
          }))

        it.effect("removeExpired deletes the user's expired sessions (revoked or not) with their tokens, nothing else", () =>
          Effect.gen(function*() {
            const sessions = yield* SessionRepository
            const past = new Date(now().getTime() - 2 * hour)
            const expired = yield* started(past, hour)
            const userId = expired.user.id
            const revoked = Session.start({ id: SessionId(uuid()), userId, tokenHash: randomKey("hash"), now: past, ttlMillis: hour })
            yield* sessions.start(revoked.session, revoked.token)
            yield* sessions.revoke(revoked.session.id, past, "logout")
            const live = Session.start({ id: SessionId(uuid()), userId, tokenHash: randomKey("hash"), now: now(), ttlMillis: hour })
            yield* sessions.start(live.session, live.token)
            const elsewhere = yield* started(past, hour)

            yield* sessions.removeExpired(userId, now())
            expect(yield* sessions.byId(expired.session.id)).toEqual(Option.none())
            expect(yield* sessions.byId(revoked.session.id)).toEqual(Option.none())
            expect(yield* sessions.tokenByHash(expired.token.tokenHash)).toEqual(Option.none())
            expect(yield* sessions.byId(live.session.id)).toEqual(Option.some(live.session))
            expect(yield* sessions.byId(elsewhere.session.id)).toEqual(Option.some(elsewhere.session))
          }))
      })
    }
  )
}
