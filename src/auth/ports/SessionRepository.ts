import { Context, type Effect, type Option } from "effect"
import type { SessionId, UserId } from "../domain/Ids.js"
import type { RefreshToken, RevocationReason, Session } from "../domain/Session.js"

/** Sessions with their refresh-token families; the tokens are known only by their SHA-256 hashes. */
export class SessionRepository extends Context.Tag("auth/SessionRepository")<SessionRepository, {
  readonly start: (session: Session, token: RefreshToken) => Effect.Effect<void>
  readonly byId: (id: SessionId) => Effect.Effect<Option.Option<Session>>
  readonly tokenByHash: (tokenHash: string) => Effect.Effect<Option.Option<RefreshToken>>
  /**
   * Spends `spent` and stores `next` with the session's new expiry, unless the token was spent first
   * (then false, and nothing changes): of two racing refreshes with one token, one wins. Drops the
   * family's expired tokens on the way.
   */
  readonly rotate: (rotation: { readonly spent: RefreshToken; readonly next: RefreshToken; readonly session: Session }) => Effect.Effect<boolean>
  /** Revokes the session (and so its whole family); an already revoked session keeps its first reason. */
  readonly revoke: (id: SessionId, at: Date, reason: RevocationReason) => Effect.Effect<void>
  readonly revokeAllOf: (userId: UserId, at: Date, reason: RevocationReason) => Effect.Effect<void>
  /** Deletes the user's sessions past their expiry, revoked or not: nothing of theirs would be accepted anyway. */
  readonly removeExpired: (userId: UserId, now: Date) => Effect.Effect<void>
}>() {}
