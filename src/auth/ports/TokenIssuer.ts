import { Context, Data, type Effect } from "effect"
import type { SessionId, UserId } from "../domain/Ids.js"

export interface AccessToken {
  readonly value: string
  readonly authType: "Bearer"
  readonly expiresAt: Date
}

/** Who a valid access token speaks for: a user, within one session (revoking the session ends the token). */
export interface AccessClaims {
  readonly userId: UserId
  readonly sessionId: SessionId
}

/** Why a bearer token was refused; logged, never shown to the client beyond "unauthenticated". */
export class InvalidAccessToken extends Data.TaggedError("InvalidAccessToken")<{ readonly reason: string }> {}

export class TokenIssuer extends Context.Tag("auth/TokenIssuer")<TokenIssuer, {
  readonly issue: (claims: AccessClaims) => Effect.Effect<AccessToken>
  /** Checks signature and claims only; whether the session is still live is the caller's question. */
  readonly verify: (token: string) => Effect.Effect<AccessClaims, InvalidAccessToken>
}>() {}
