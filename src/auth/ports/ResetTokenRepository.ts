import { Context, type Effect, type Option } from "effect"
import type { ResetToken } from "../domain/PasswordReset.js"

export class ResetTokenRepository extends Context.Tag("auth/ResetTokenRepository")<ResetTokenRepository, {
  readonly add: (token: ResetToken) => Effect.Effect<void>
  readonly byHash: (tokenHash: string) => Effect.Effect<Option.Option<ResetToken>>
  /** Marks the token used; false if it was already used (someone else redeemed it first). */
  readonly markUsed: (token: ResetToken) => Effect.Effect<boolean>
}>() {}
