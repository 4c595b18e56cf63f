import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Fiber, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import * as SmtpMailer from "../../src/auth/adapters/SmtpMailer.js"
import { Mailer } from "../../src/auth/ports/Mailer.js"
import { eventually } from "../support/Eventually.js"
import * as SmtpServer from "../support/SmtpServer.js"

const auth = { user: "kingdom", pass: "s3cret p@ss/word" }
const from = "Kingdom <no-reply@kingdom.test>"
const mail = { to: "ana@kingdom.test", subject: "Olá — ✓ redefinição de senha", text: "Olá — ✓\nUse este link:\nhttp://app.test/reset?token=abc\n" }

// The start-up line is INFO; warnings and errors still show.
const quiet = Logger.minimumLogLevel(LogLevel.Warning)

const mailerAt = (url: string, timeout = Duration.seconds(5)) =>
  Layer.build(SmtpMailer.layer({ url: Redacted.make(url), from, timeout }).pipe(Layer.provide(quiet))).pipe(
    Effect.map(Context.get(Mailer))
  )

/**
 * The mailer's bound in the tests about failures, which run on TestClock: only the test moves it, and
 * nodemailer's own socket timers (set to the same hour, on the real clock) never come due meanwhile.
 * So a send that ends without the test moving the clock did not wait for any timeout.
 */
const anHour = Duration.hours(1)

describe("SmtpMailer", () => {
  it.scopedLive("sends through SMTP with a login: envelope, headers and UTF-8 text arrive intact", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth })
      const mailer = yield* mailerAt(smtp.url)
      yield* mailer.send(mail)
      const [received, ...others] = yield* smtp.received
      expect(others).toEqual([])
      expect(received?.user).toBe(auth.user)
      expect(received?.from).toBe("no-reply@kingdom.test")
      expect(received?.to).toEqual([mail.to])
      expect(received?.headers.get("from")).toBe(from)
      expect(received?.headers.get("to")).toBe(mail.to)
      expect(received?.subject).toBe(mail.subject)
      expect(received?.text).toBe(mail.text)
      expect(received?.raw).not.toContain(auth.pass)
    }))

  it.scopedLive.each(["starttls", "implicit"] as const)("speaks TLS: %s", (tls) =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth, tls })
      expect(smtp.url.startsWith(tls === "implicit" ? "smtps://" : "smtp://")).toBe(true)
      // smtp-server's built-in certificate is self-signed; nodemailer takes TLS options from the URL.
      const mailer = yield* mailerAt(`${smtp.url}?tls.rejectUnauthorized=false`)
      yield* mailer.send(mail)
      const [received] = yield* smtp.received
      expect(received?.secure).toBe(true)
      expect(received?.text).toBe(mail.text)
    }))

  it.scopedLive("refuses to start on a wrong password, naming the server but never the password", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth })
      const wrong = "wr0ng p@ss/word"
      const error = yield* Effect.flip(mailerAt(`smtp://${auth.user}:${encodeURIComponent(wrong)}@127.0.0.1:${smtp.port}`))
      expect(error._tag).toBe("SmtpMailerError")
      expect(error.message).toContain(`127.0.0.1:${smtp.port}`)
      expect(error.message).toContain("535")
      for (const secret of [wrong, encodeURIComponent(wrong), auth.pass]) {
        expect(error.message).not.toContain(secret)
        expect(JSON.stringify(error)).not.toContain(secret)
      }
    }))

  it.scopedLive("refuses to start on a malformed URL without quoting it", () =>
    Effect.gen(function*() {
      for (const url of ["smtp://user:hunter2@[bad", "https://user:hunter2@mail.example.com"]) {
        const error = yield* Effect.flip(mailerAt(url))
        expect(error._tag).toBe("SmtpMailerError")
        expect(error.message).not.toContain("hunter2")
      }
    }))

  it.scopedLive("a temporary rejection (451) fails the send with MailNotSent, and the next send goes through", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth })
      const mailer = yield* mailerAt(smtp.url)
      yield* smtp.rejectNext(1)
      const error = yield* Effect.flip(mailer.send(mail))
      expect(error._tag).toBe("MailNotSent")
      expect(error.reason).toContain("451")
      expect(error.reason).not.toContain(auth.pass)
      expect(yield* smtp.received).toEqual([])

      yield* mailer.send(mail)
      expect((yield* smtp.received).map((received) => received.subject)).toEqual([mail.subject])
    }))

  it.scoped("a server that is down fails the send with MailNotSent at once, spending no timeout; it goes through once the server is back", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth })
      const mailer = yield* mailerAt(smtp.url, anHour)
      // A pooled connection is open when the server goes away.
      yield* mailer.send(mail)
      yield* smtp.stop

      const error = yield* Effect.flip(mailer.send(mail))
      expect(error._tag).toBe("MailNotSent")
      expect(error.reason).toContain(`127.0.0.1:${smtp.port}`)
      expect(error.reason).toContain("ECONNREFUSED")

      yield* smtp.start
      yield* mailer.send(mail)
      expect(yield* smtp.received).toHaveLength(2)
    }))

  it.scoped("a server that stops answering fails the send with MailNotSent when the timeout comes, not a hang", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpServer.make({ auth })
      const mailer = yield* mailerAt(smtp.url, anHour)
      yield* smtp.stallNext(1)

      const sending = yield* Effect.fork(Effect.flip(mailer.send(mail)))
      yield* eventually(Effect.filterOrFail(smtp.stalled, (stalled) => stalled === 1))
      yield* TestClock.adjust(Duration.minutes(59))
      expect(sending.unsafePoll(), "still waiting a minute before the timeout").toBeNull()
      yield* TestClock.adjust(Duration.minutes(1))
      const error = yield* Fiber.join(sending)
      expect(error._tag).toBe("MailNotSent")
      expect(error.reason).toBe(`127.0.0.1:${smtp.port} did not take the mail within 1h`)

      // The stalled connection was given up on; a fresh one delivers.
      yield* mailer.send(mail)
      expect(yield* smtp.received).toHaveLength(1)
    }))
})
