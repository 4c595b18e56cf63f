/**
 * Mail end to end inside one process: a command commits its event to the outbox (PGlite, as on the
 * embedded default), the dispatcher hands it to the auth-mail subscriber, and the mail reaches a real
 * SMTP server, through refusals (retried), exhausted attempts (parked) and an operator's replay.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Option, Redacted, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as Actor from "../../src/auth/Actor.js"
import * as Commands from "../../src/auth/Commands.js"
import { dispatch } from "../../src/auth/handlers/Handlers.js"
import { Mailer } from "../../src/auth/ports/Mailer.js"
import { AuthSettings } from "../../src/auth/Settings.js"
import * as AuthSubscribers from "../../src/auth/subscribers/Mail.js"
import * as Composition from "../../src/Composition.js"
import type { Environment } from "../../src/Config.js"
import { Deliveries } from "../../src/kernel/Deliveries.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import type { RetryPolicy } from "../../src/kernel/EventHandling.js"
import { Outbox } from "../../src/kernel/Outbox.js"
import { randomKey } from "../support/RandomRefs.js"
import * as SmtpServer from "../support/SmtpServer.js"

const from = "Kingdom <no-reply@kingdom.test>"
// With a path: the link must keep it (a relative "reset-password", not an absolute "/reset-password").
const publicAppUrl = new URL("https://app.kingdom.test/portal/")

const temporaryDataDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-mail-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** The server's own composition, with SMTP at the test server and the system acting. */
const services = (smtpUrl: string, dataDir: string) =>
  Layer.mergeAll(
    Composition.database({ url: Option.none(), dataDir, migrateOnStart: false, poolMax: 1 }, Composition.subscribers),
    Composition.mailer({ smtpUrl: Option.some(Redacted.make(smtpUrl)), from, timeout: Duration.seconds(5) }, "test"),
    Argon2Hasher.layer(2),
    Layer.succeed(AuthSettings, { resetTokenTtl: Duration.minutes(15), publicAppUrl }),
    Layer.succeed(Actor.CurrentActor, Actor.system)
  )

type Services = Layer.Layer.Success<ReturnType<typeof services>>

const fast: RetryPolicy = { maxAttempts: 5, baseDelay: Duration.millis(20), maxDelay: Duration.millis(100) }

// Refusals, retries and parking are what these tests provoke, and each is logged by design.
const silent = Logger.minimumLogLevel(LogLevel.None)

/**
 * A fresh SMTP server and database, with the dispatcher running on them as the server runs it, but
 * polling fast; `test` gets the SMTP server and runs with the services.
 */
const withWorld = <A, E>(retry: RetryPolicy, test: (smtp: SmtpServer.SmtpServer) => Effect.Effect<A, E, Services>) =>
  Effect.gen(function*() {
    const dataDir = yield* temporaryDataDir
    const smtp = yield* SmtpServer.make()
    const context = yield* Layer.build(services(smtp.url, dataDir))
    const options = { retry, batchSize: 10, concurrency: 1, lease: Duration.seconds(30), pollInterval: Duration.millis(20) }
    yield* Effect.forkScoped(Dispatcher.run(Composition.subscribers, options)).pipe(Effect.provide(context))
    return yield* Effect.provide(test(smtp), context)
  }).pipe(Effect.provide(silent))

const eventually = <A, R>(what: string, effect: Effect.Effect<A, never, R>, done: (a: A) => boolean) =>
  effect.pipe(
    Effect.filterOrFail(done, () => new Error(`still waiting for ${what}`)),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds"))),
    Effect.orDie
  )

/** The mail received for `to`, once there are `count`. */
const mailsTo = (smtp: SmtpServer.SmtpServer, to: string, count: number) =>
  eventually(
    `${count} mails to ${to}`,
    Effect.map(smtp.received, (all) => all.filter((mail) => mail.to.includes(to))),
    (mails) => mails.length >= count
  )

/**
 * Every delivery done. A mail goes out only for a delivery row, which is deleted in the transaction
 * that records it sent, so once none is left no duplicate can follow: what was received is final.
 */
const nothingPending = eventually("no pending delivery", Effect.flatMap(Deliveries, (d) => d.pendingCount), (n) => n === 0)

const newUser = () => {
  const accessKey = randomKey("mail")
  return new Commands.CreateUser({ accessKey, email: `${accessKey}@kingdom.test`, name: `Test ${accessKey}`, password: Redacted.make("first-password-1") })
}

describe("mail delivery through the outbox and SMTP", () => {
  it.scopedLive("createUser: the welcome mail reaches the SMTP server", () =>
    withWorld(fast, (smtp) =>
      Effect.gen(function*() {
        const user = newUser()
        yield* dispatch(user)
        const [welcome] = yield* mailsTo(smtp, user.email, 1)
        expect(welcome?.subject).toBe("Welcome")
        expect(welcome?.headers.get("from")).toBe(from)
        expect(welcome?.text).toContain(user.name)
        expect(welcome?.text).toContain(user.accessKey)
        yield* nothingPending
      })))

  it.scopedLive("resetPassword: the link is built on PUBLIC_APP_URL, its token changes the password, and a notice follows", () =>
    withWorld(fast, (smtp) =>
      Effect.gen(function*() {
        const user = newUser()
        yield* dispatch(user)
        yield* mailsTo(smtp, user.email, 1)
        yield* dispatch(new Commands.ResetPassword({ accessKey: user.accessKey }))
        const reset = (yield* mailsTo(smtp, user.email, 2)).find((mail) => mail.subject === "Reset your password")
        const link = new URL(reset?.text.match(/https?:\/\/\S+/)?.[0] ?? "missing:")
        expect(`${link.origin}${link.pathname}`).toBe(new URL("reset-password", publicAppUrl).href)
        const token = link.searchParams.get("token") ?? ""
        expect(token.length).toBeGreaterThanOrEqual(32)

        const change = new Commands.ChangePassword({ token: Redacted.make(token), newPassword: Redacted.make("second-password-2") })
        yield* dispatch(change)
        const notice = (yield* mailsTo(smtp, user.email, 3))[2]
        expect(notice?.subject).toBe("Your password was changed")
        expect(notice?.text).toContain(user.accessKey)
        // Single use.
        expect((yield* Effect.flip(dispatch(change)))._tag).toBe("InvalidToken")
        yield* nothingPending
      })))

  it.scopedLive("an SMTP server refusing twice (451): the mail is retried, arrives once, nothing left pending", () =>
    withWorld(fast, (smtp) =>
      Effect.gen(function*() {
        yield* smtp.rejectNext(2)
        const user = newUser()
        yield* dispatch(user)
        yield* mailsTo(smtp, user.email, 1)
        yield* nothingPending
        expect(yield* smtp.received).toHaveLength(1)
        expect(yield* Effect.flatMap(Deliveries, (d) => d.parked)).toEqual([])
      })))

  it.scopedLive("a reset mail refused once is retried; the token of the failed attempt rolled back, the mailed one works", () =>
    withWorld(fast, (smtp) =>
      Effect.gen(function*() {
        const user = newUser()
        yield* dispatch(user)
        yield* mailsTo(smtp, user.email, 1)
        yield* smtp.rejectNext(1)
        yield* dispatch(new Commands.ResetPassword({ accessKey: user.accessKey }))
        const [, reset, ...others] = yield* mailsTo(smtp, user.email, 2)
        expect(others).toEqual([])
        const token = new URL(reset?.text.match(/https?:\/\/\S+/)?.[0] ?? "missing:").searchParams.get("token") ?? ""
        yield* dispatch(new Commands.ChangePassword({ token: Redacted.make(token), newPassword: Redacted.make("second-password-2") }))
        expect((yield* mailsTo(smtp, user.email, 3))[2]?.subject).toBe("Your password was changed")
      })))

  it.scopedLive("refused past the last attempt: parked with the SMTP error; after a replay the mail arrives exactly once", () =>
    withWorld({ ...fast, maxAttempts: 2 }, (smtp) =>
      Effect.gen(function*() {
        const deliveries = yield* Deliveries
        yield* smtp.rejectNext(100)
        const user = newUser()
        yield* dispatch(user)
        const [parked, ...others] = yield* eventually("a parked delivery", deliveries.parked, (all) => all.length > 0)
        expect(others).toEqual([])
        expect(parked?.subscriber).toBe(AuthSubscribers.mail.name)
        expect(parked?.envelope.type).toBe("UserCreated")
        expect(parked?.attempts).toBe(2)
        expect(parked?.lastError).toContain("451")
        expect(parked?.lastError).toContain("Try again later")
        expect(yield* smtp.received).toEqual([])

        yield* smtp.rejectNext(0)
        expect(yield* deliveries.replay(parked!.subscriber, parked!.envelope.id, new Date())).toBe(true)
        const [welcome] = yield* mailsTo(smtp, user.email, 1)
        expect(welcome?.subject).toBe("Welcome")
        yield* nothingPending
        expect(yield* smtp.received).toHaveLength(1)
        expect(yield* deliveries.parked).toEqual([])
      })))

  it.scopedLive("a reset for an unknown account is recorded as a known one's is (the same cost), and sends nothing", () =>
    withWorld(fast, (smtp) =>
      Effect.gen(function*() {
        yield* dispatch(new Commands.ResetPassword({ accessKey: randomKey("nobody") }))
        // No relay runs here, so the event is still in the outbox; its delivery completes with no mail.
        expect(yield* Effect.flatMap(Outbox, (outbox) => outbox.pendingCount)).toBe(1)
        yield* nothingPending
        expect(yield* smtp.received).toEqual([])
      })))

  it.scopedLive("production without SMTP_URL refuses to build the mailer, saying why", () =>
    Effect.gen(function*() {
      const mailerIn = (environment: Environment) =>
        Composition.mailer({ smtpUrl: Option.none(), from, timeout: Duration.seconds(5) }, environment)
      const error = yield* Effect.flip(Layer.build(mailerIn("production")))
      expect(error).toBeInstanceOf(Composition.ConfigurationError)
      expect(error.message).toMatch(/^SMTP_URL is required in production/)
      // Outside production the log stands in.
      expect(Option.isSome(Context.getOption(yield* Layer.build(mailerIn("development")), Mailer))).toBe(true)
    }))
})
