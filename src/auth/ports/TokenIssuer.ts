import { Context, Data, type Effect } from "effect"
import type { UserId } from "../domain/Ids.js"

export interface AccessToken {
  readonly value: string
  readonly authType: "Bearer"
  readonly expiresAt: Date
}

/** Why a bearer token was refused; logged, never shown to the client beyond "unauthenticated". */
export class InvalidAccessToken extends Data.TaggedError("InvalidAccessToken")<{ readonly reason: string }> {}

export class TokenIssuer extends Context.Tag("auth/TokenIssuer")<TokenIssuer, {
  readonly issue: (userId: UserId) => Effect.Effect<AccessToken>
  readonly verify: (token: string) => Effect.Effect<UserId, InvalidAccessToken>
}>() {}
