import { Duration, Effect, Either, Option, Redacted } from "effect"
import { newUuid } from "../../kernel/Ids.js"
import { handled } from "../../kernel/MessageBus.js"
import { randomSecret, sha256Hex } from "../../kernel/Secrets.js"
import type { Logout, RefreshToken } from "../Commands.js"
import { InvalidToken } from "../domain/Errors.js"
import { SessionId, type UserId } from "../domain/Ids.js"
import * as Session from "../domain/Session.js"
import { SessionRepository } from "../ports/SessionRepository.js"
import { type AccessToken, TokenIssuer } from "../ports/TokenIssuer.js"
import { SessionSettings } from "../Settings.js"
import { now } from "./Lookups.js"

/** What a client holds after signing in or refreshing. */
export interface IssuedTokens {
  readonly access: AccessToken
  /** Opaque and single use; only its hash is stored. */
  readonly refreshToken: Redacted.Redacted<string>
}

/** A refresh's outcome: the new pair, or the one refusal every failed refresh gets. */
export type Refreshed = Either.Either<IssuedTokens, InvalidToken>

const answer = (refreshed: Refreshed) => handled(refreshed, [])

/** 256 bits: a refresh token cannot be guessed, so its hash can be its key. */
const refreshSecret = Effect.sync(() => randomSecret(32))

const ttlMillis = Effect.map(SessionSettings, (settings) => Duration.toMillis(settings.refreshTokenTtl))

const issue = (userId: UserId, sessionId: SessionId, refreshToken: string) =>
  Effect.flatMap(TokenIssuer, (tokens) => tokens.issue({ userId, sessionId })).pipe(
    Effect.map((access): IssuedTokens => ({ access, refreshToken: Redacted.make(refreshToken) }))
  )

/** Starts a session for a user who just proved who they are; their expired sessions are cleared first. */
export const startSession = Effect.fn("StartSession")(function*(userId: UserId) {
  const sessions = yield* SessionRepository
  const at = yield* now
  yield* sessions.removeExpired(userId, at)
  const secret = yield* refreshSecret
  const started = Session.start({ id: SessionId(yield* newUuid), userId, tokenHash: sha256Hex(secret), now: at, ttlMillis: yield* ttlMillis })
  yield* sessions.start(started.session, started.token)
  return yield* issue(userId, started.session.id, secret)
})

const revokeForReuse = (session: Session.Session, at: Date) =>
  Effect.flatMap(SessionRepository, (sessions) => sessions.revoke(session.id, at, "refresh-token-reused")).pipe(
    Effect.zipRight(Effect.logWarning("a spent refresh token was presented again: session revoked").pipe(
      Effect.annotateLogs({ sessionId: session.id, userId: session.userId })
    ))
  )

/**
 * Trades a refresh token for a new pair. The refusal is the result, not a failure: a reused token
 * revokes its session, and that revocation must commit with the unit of work (a failure would roll it
 * back). The resolver turns the Left into INVALID_TOKEN.
 */
export const refreshToken = Effect.fn("RefreshToken")(function*(command: RefreshToken) {
  const sessions = yield* SessionRepository
  const refused = answer(Either.left(new InvalidToken()))
  const token = yield* sessions.tokenByHash(sha256Hex(Redacted.value(command.refreshToken)))
  const session = Option.isNone(token) ? Option.none() : yield* sessions.byId(token.value.sessionId)
  if (Option.isNone(token) || Option.isNone(session)) return refused
  const secret = yield* refreshSecret
  const at = yield* now
  const redemption = Session.redeem(session.value, token.value, { tokenHash: sha256Hex(secret), now: at, ttlMillis: yield* ttlMillis })
  if (redemption._tag === "Refused") return refused
  // Lost a race with the same token: as much a second use as one a day later.
  if (redemption._tag === "Reused" || !(yield* sessions.rotate(redemption))) {
    yield* revokeForReuse(session.value, at)
    return refused
  }
  return answer(Either.right(yield* issue(session.value.userId, session.value.id, secret)))
})

/** Revokes the caller's session; a second logout changes nothing. */
export const logout = Effect.fn("Logout")(function*(command: Logout) {
  const sessions = yield* SessionRepository
  yield* sessions.revoke(command.sessionId, yield* now, "logout")
  return handled(undefined, [])
})
