import { Duration, Effect, Option, Redacted } from "effect"
import { handled } from "../../kernel/MessageBus.js"
import { randomSecret, sha256Hex } from "../../kernel/Secrets.js"
import type { ChangePassword, ResetPassword } from "../Commands.js"
import { InvalidToken } from "../domain/Errors.js"
import { PasswordResetRequested } from "../domain/Events.js"
import * as PasswordReset from "../domain/PasswordReset.js"
import * as User from "../domain/User.js"
import { Mailer } from "../ports/Mailer.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"
import { ResetTokenRepository } from "../ports/ResetTokenRepository.js"
import { UserRepository } from "../ports/UserRepository.js"
import { AuthSettings } from "../Settings.js"
import { now } from "./Lookups.js"

/** 32 random bytes: the secret travels only in the e-mail; the database keeps its SHA-256. */
const secretBytes = 32

/** Mails a single-use reset link if the account exists; the caller's answer is the same either way. */
export const resetPassword = Effect.fn("ResetPassword")(function*(command: ResetPassword) {
  const found = yield* Effect.flatMap(UserRepository, (users) => users.byAccessKey(command.accessKey))
  if (Option.isNone(found)) return handled(undefined, [])
  const user = found.value
  const settings = yield* AuthSettings
  const secret = randomSecret(secretBytes)
  const token = PasswordReset.issue({
    tokenHash: sha256Hex(secret),
    userId: user.id,
    now: yield* now,
    ttlMillis: Duration.toMillis(settings.resetTokenTtl)
  })
  yield* Effect.flatMap(ResetTokenRepository, (tokens) => tokens.add(token))
  const link = new URL("reset-password", settings.publicAppUrl)
  link.searchParams.set("token", secret)
  yield* Effect.flatMap(Mailer, (mailer) =>
    mailer.send({
      to: user.email,
      subject: "Reset your password",
      text: `Hello ${user.name},\n\nTo choose a new password, open this link within ` +
        `${Duration.format(settings.resetTokenTtl)}:\n\n${link.href}\n\n` +
        `If you did not ask for this, ignore this message: your password stays as it is.\n`
    }))
  return handled(undefined, [new PasswordResetRequested({ userId: user.id, expiresAt: token.expiresAt })])
})

/** Spends a reset token to set a new password; any unknown, used, expired or stale token is InvalidToken. */
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
  return handled(undefined, decision.events)
})
