/**
 * Sessions through the bus on the in-memory world: sign-in starts a family, refresh rotates it, a
 * second use of a spent token revokes the family, logout and a password change end sessions, and the
 * edge's principal follows the session. Time is Effect's TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option, Redacted, TestClock } from "effect"
import { Authenticator } from "../../../src/access/Authenticator.js"
import * as Commands from "../../../src/auth/Commands.js"
import { SessionId, UserId } from "../../../src/auth/domain/Ids.js"
import * as Session from "../../../src/auth/domain/Session.js"
import { dispatch } from "../../../src/auth/handlers/Handlers.js"
import type { IssuedTokens } from "../../../src/auth/handlers/Sessions.js"
import { ResetTokenRepository } from "../../../src/auth/ports/ResetTokenRepository.js"
import { SessionRepository } from "../../../src/auth/ports/SessionRepository.js"
import { TokenIssuer } from "../../../src/auth/ports/TokenIssuer.js"
import * as PasswordReset from "../../../src/auth/domain/PasswordReset.js"
import { sha256Hex } from "../../../src/kernel/Secrets.js"
import * as TestLayers from "../../support/TestLayers.js"

const password = Redacted.make("correct horse battery")
const alice = new Commands.CreateUser({ accessKey: "alice", email: "alice@example.com", name: "Alice", password })

const signIn = Effect.map(dispatch(new Commands.Authenticate({ accessKey: "alice", password })), ({ token }) => token)

const refresh = (tokens: IssuedTokens) => dispatch(new Commands.RefreshToken({ refreshToken: tokens.refreshToken }))

/** Whether the edge would still find a caller behind this access token. */
const signedIn = (tokens: IssuedTokens) =>
  Effect.flatMap(Authenticator, (authenticator) => authenticator.principal(tokens.access.value)).pipe(Effect.map(Option.isSome))

const sessionOf = (tokens: IssuedTokens) =>
  Effect.flatMap(TokenIssuer, (issuer) => issuer.verify(tokens.access.value)).pipe(
    Effect.flatMap(({ sessionId }) => Effect.flatMap(SessionRepository, (sessions) => sessions.byId(sessionId))),
    Effect.map(Option.getOrThrow)
  )

const refused = Either.left({ _tag: "InvalidToken" })

describe("sessions", () => {
  it.effect("refresh rotates: a new pair in the same session, the old refresh token spent", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      const first = yield* signIn
      const second = Either.getOrThrow(yield* refresh(first))
      expect(Redacted.value(second.refreshToken)).not.toBe(Redacted.value(first.refreshToken))
      expect((yield* sessionOf(second)).id).toBe((yield* sessionOf(first)).id)
      expect(yield* signedIn(second)).toBe(true)
      const third = Either.getOrThrow(yield* refresh(second))
      expect(yield* signedIn(third)).toBe(true)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("a spent refresh token shown again revokes the whole family, the newest tokens included", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      const stolen = yield* signIn
      const other = yield* signIn
      const newest = Either.getOrThrow(yield* refresh(stolen))
      expect(yield* refresh(stolen)).toMatchObject(refused)
      expect(yield* refresh(newest)).toMatchObject(refused)
      expect(yield* signedIn(newest)).toBe(false)
      expect(yield* signedIn(stolen)).toBe(false)
      expect((yield* sessionOf(newest)).revokedReason).toBe("refresh-token-reused")
      // Another sign-in is another family, untouched.
      expect(yield* signedIn(other)).toBe(true)
      expect(Either.isRight(yield* refresh(other))).toBe(true)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("logout ends the session: access and refresh token refused, other sessions kept", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      const tokens = yield* signIn
      const other = yield* signIn
      yield* dispatch(new Commands.Logout({ sessionId: (yield* sessionOf(tokens)).id }))
      expect(yield* signedIn(tokens)).toBe(false)
      expect(yield* refresh(tokens)).toMatchObject(refused)
      expect((yield* sessionOf(tokens)).revokedReason).toBe("logout")
      expect(yield* signedIn(other)).toBe(true)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("an unknown refresh token is refused; an expired one is refused without revoking the session", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      expect(yield* dispatch(new Commands.RefreshToken({ refreshToken: Redacted.make("made-up") }))).toMatchObject(refused)
      const tokens = yield* signIn
      const session = yield* sessionOf(tokens)
      yield* TestClock.adjust(TestLayers.tokenSettings.refreshTtl)
      expect(yield* refresh(tokens)).toMatchObject(refused)
      expect(yield* Effect.flatMap(SessionRepository, (sessions) => sessions.byId(session.id))).toEqual(Option.some(session))
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("each refresh extends the session by the refresh token lifetime", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      let tokens = yield* signIn
      const halfway = Duration.unsafeDivide(TestLayers.tokenSettings.refreshTtl, 2)
      for (let step = 0; step < 4; step++) {
        yield* TestClock.adjust(halfway)
        tokens = Either.getOrThrow(yield* refresh(tokens))
      }
      expect(yield* signedIn(tokens)).toBe(true)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("changing the password ends every session of the user", () =>
    Effect.gen(function*() {
      const user = yield* dispatch(alice)
      const sessions = [yield* signIn, yield* signIn]
      const secret = "reset-secret"
      const issued = PasswordReset.issue({ tokenHash: sha256Hex(secret), userId: user.id, now: new Date(1), ttlMillis: 60_000 })
      yield* Effect.flatMap(ResetTokenRepository, (tokens) => tokens.add(issued))
      yield* TestClock.adjust(Duration.millis(10))
      yield* dispatch(new Commands.ChangePassword({ token: Redacted.make(secret), newPassword: Redacted.make("a brand new passphrase") }))
      for (const tokens of sessions) {
        expect(yield* signedIn(tokens)).toBe(false)
        expect(yield* refresh(tokens)).toMatchObject(refused)
        expect((yield* sessionOf(tokens)).revokedReason).toBe("password-changed")
      }
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("a sign-in clears the user's expired sessions", () =>
    Effect.gen(function*() {
      yield* dispatch(alice)
      const old = yield* signIn
      const oldSession = yield* sessionOf(old)
      yield* TestClock.adjust(TestLayers.tokenSettings.refreshTtl)
      yield* signIn
      expect(yield* Effect.flatMap(SessionRepository, (sessions) => sessions.byId(oldSession.id))).toEqual(Option.none())
    }).pipe(Effect.provide(TestLayers.auth())))
})

describe("Session.redeem", () => {
  const at = new Date(1_000_000)
  const { session, token } = Session.start({ id: SessionId("s1"), userId: UserId("u1"), tokenHash: "h1", now: at, ttlMillis: 1000 })
  const next = { tokenHash: "h2", now: new Date(at.getTime() + 10), ttlMillis: 1000 }

  it("rotates an unspent, unexpired token of a live session", () => {
    const redemption = Session.redeem(session, token, next)
    expect(redemption).toMatchObject({ _tag: "Rotate", spent: { usedAt: next.now }, next: { tokenHash: "h2", sessionId: "s1" } })
    expect(redemption._tag === "Rotate" && redemption.session.expiresAt).toEqual(new Date(next.now.getTime() + 1000))
  })

  it("calls a spent token reuse even after it expired; refuses other sessions' tokens and revoked sessions", () => {
    const spent = { ...token, usedAt: at }
    expect(Session.redeem(session, spent, { ...next, now: new Date(at.getTime() + 5000) })._tag).toBe("Reused")
    expect(Session.redeem(session, token, { ...next, now: token.expiresAt })._tag).toBe("Refused")
    expect(Session.redeem({ ...session, id: SessionId("s2") }, token, next)._tag).toBe("Refused")
    expect(Session.redeem(Session.revoke(session, at, "logout"), spent, next)._tag).toBe("Refused")
  })
})
