import { Effect, Option, Redacted } from "effect"
import { handled } from "../../kernel/MessageBus.js"
import { sha256Hex } from "../../kernel/Secrets.js"
import type { ChangePassword, ResetPassword } from "../Commands.js"
import { InvalidToken } from "../domain/Errors.js"
import { PasswordResetRequested } from "../domain/Events.js"
import * as PasswordReset from "../domain/PasswordReset.js"
import * as User from "../domain/User.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"
import { ResetTokenRepository } from "../ports/ResetTokenRepository.js"
import { SessionRepository } from "../ports/SessionRepository.js"
import { UserRepository } from "../ports/UserRepository.js"
import { now } from "./Lookups.js"

/**
 * Records the request, for an unknown account too: the same statements either way, so neither the
 * answer nor its time tells whether the account exists. The token and the mail come from the
 * auth-mail subscriber (subscribers/Mail.ts), after commit, with retries.
 */
export const resetPassword = Effect.fn("ResetPassword")(function*(command: ResetPassword) {
  const found = yield* Effect.flatMap(UserRepository, (users) => users.byAccessKey(command.accessKey))
  const userId = Option.getOrNull(Option.map(found, (user) => user.id))
  return handled(undefined, [new PasswordResetRequested({ userId, at: yield* now })])
})

/**
 * Spends a reset token to set a new password; any unknown, used, expired or stale token is InvalidToken.
 * Every session of the user ends: whoever knew the old password may be signed in somewhere.
 */
export const changePassword = Effect.fn("ChangePassword")(function*(command: ChangePassword) {
  const tokens = yield* ResetTokenRepository
  const users = yield* UserRepository
  const password = yield* User.checkPassword(Redacted.value(command.newPassword))
  const token = yield* tokens.byHash(sha256Hex(Redacted.value(command.token))).pipe(
    Effect.flatMap(Option.match({ onNone: () => new InvalidToken(), onSome: Effect.succeed }))
  )
  const user = yield* users.byId(token.userId).pipe(
    Effect.flatMap(Option.match({ onNone: () => new InvalidToken(), onSome: Effect.succeed }))
  )
  const at = yield* now
  const spent = yield* PasswordReset.redeem(token, user, at)
  if (!(yield* tokens.markUsed(spent))) return yield* new InvalidToken()
  const passwordHash = yield* Effect.flatMap(PasswordHasher, (hasher) => hasher.hash(Redacted.make(password)))
  const decision = User.changePassword(user, passwordHash, at)
  yield* users.save(decision.state)
  yield* Effect.flatMap(SessionRepository, (sessions) => sessions.revokeAllOf(user.id, at, "password-changed"))
  return handled(undefined, decision.events)
})
