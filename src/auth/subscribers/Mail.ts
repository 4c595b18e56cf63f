/**
 * The auth module's mail, sent after the change it reports committed, by whichever process runs
 * subscribers (the server itself on the embedded default, `npm run worker` or a Lambda with NATS).
 * A mail that cannot be sent fails the attempt, which is retried with backoff and parked at the end.
 */
import { Duration, Effect, Option, Schema } from "effect"
import type { Envelope } from "../../kernel/Envelope.js"
import { randomSecret, sha256Hex } from "../../kernel/Secrets.js"
import type { Subscriber } from "../../kernel/Subscriber.js"
import { AuthEvent, type PasswordChanged, type PasswordResetRequested, type UserCreated } from "../domain/Events.js"
import { UserId } from "../domain/Ids.js"
import * as PasswordReset from "../domain/PasswordReset.js"
import { now } from "../handlers/Lookups.js"
import { type Mail, Mailer } from "../ports/Mailer.js"
import { ResetTokenRepository } from "../ports/ResetTokenRepository.js"
import { UserRepository } from "../ports/UserRepository.js"
import { AuthSettings } from "../Settings.js"

/** 32 random bytes: the secret travels only in the e-mail; the database keeps its SHA-256. */
const secretBytes = 32

const send = (mail: Mail) => Effect.flatMap(Mailer, (mailer) => mailer.send(mail))

const welcome = (event: UserCreated) =>
  send({
    to: event.email,
    subject: "Welcome",
    text: `Hello ${event.name},\n\nYour account ${event.accessKey} is ready.\n`
  })

/** A fresh single-use token, stored as its hash, and the link that carries it; built from configuration only. */
const resetLink = (userId: string) =>
  Effect.gen(function*() {
    // Deleted since the request: nobody to mail.
    const user = yield* Effect.flatMap(UserRepository, (users) => users.byId(UserId(userId)))
    if (Option.isNone(user)) return
    const settings = yield* AuthSettings
    const secret = randomSecret(secretBytes)
    const token = PasswordReset.issue({
      tokenHash: sha256Hex(secret),
      userId: user.value.id,
      now: yield* now,
      ttlMillis: Duration.toMillis(settings.resetTokenTtl)
    })
    yield* Effect.flatMap(ResetTokenRepository, (tokens) => tokens.add(token))
    const link = new URL("reset-password", settings.publicAppUrl)
    link.searchParams.set("token", secret)
    yield* send({
      to: user.value.email,
      subject: "Reset your password",
      text: `Hello ${user.value.name},\n\nTo choose a new password, open this link within ` +
        `${Duration.format(settings.resetTokenTtl)}:\n\n${link.href}\n\n` +
        `If you did not ask for this, ignore this message: your password stays as it is.\n`
    })
  })

/** Unknown accounts' requests are recorded too, only so that they cost what known ones' do; they mail nobody. */
const resetRequested = (event: PasswordResetRequested) => (event.userId === null ? Effect.void : resetLink(event.userId))

const passwordChanged = (event: PasswordChanged) =>
  Effect.gen(function*() {
    const user = yield* Effect.flatMap(UserRepository, (users) => users.byId(UserId(event.userId)))
    if (Option.isNone(user)) return
    yield* send({
      to: user.value.email,
      subject: "Your password was changed",
      text: `Hello ${user.value.name},\n\nThe password of your account ${user.value.accessKey} was changed ` +
        `at ${event.at.toISOString()}. Links to reset it sent before then no longer work.\n\n` +
        `If this was not you, reset your password now and tell your administrator.\n`
    })
  })

const decode = Schema.decodeUnknown(AuthEvent)

export const mail: Subscriber<UserRepository | ResetTokenRepository | Mailer | AuthSettings> = {
  name: "auth-mail",
  types: ["UserCreated", "PasswordResetRequested", "PasswordChanged"],
  handle: (envelope: Envelope) =>
    Effect.flatMap(decode(envelope.payload), (event) => {
      switch (event._tag) {
        case "UserCreated":
          return welcome(event)
        case "PasswordResetRequested":
          return resetRequested(event)
        case "PasswordChanged":
          return passwordChanged(event)
        default:
          return Effect.void
      }
    })
}
