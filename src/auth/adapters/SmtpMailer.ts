/**
 * Mail over SMTP through a pooled nodemailer transport. `smtp://user:pass@host:587` upgrades with
 * STARTTLS when the server offers it; `smtps://user:pass@host:465` speaks TLS from the first byte.
 * The login is checked once at start, so a wrong password stops the server instead of every reset
 * mail failing later. Every failure names the server (host:port), never the password.
 */
import { Data, Duration, Effect, Layer, Redacted } from "effect"
import nodemailer from "nodemailer"
import { MailNotSent, Mailer } from "../ports/Mailer.js"

export interface SmtpMailerOptions {
  /** `smtp://` or `smtps://`, credentials percent-encoded; nodemailer query options (e.g. `?tls.servername=…`) pass through. */
  readonly url: Redacted.Redacted<string>
  /** The From header and envelope sender, e.g. `Kingdom <no-reply@example.com>`. */
  readonly from: string
  /** Bounds the start-up check and each send, connecting and every server reply included. */
  readonly timeout: Duration.Duration
}

/** The mailer cannot start: the URL is unusable, or the server cannot be reached or refuses the login. */
export class SmtpMailerError extends Data.TaggedError("SmtpMailerError")<{ readonly reason: string }> {
  override get message() {
    return `SMTP mailer: ${this.reason}`
  }
}

interface Endpoint {
  /** host:port, safe to log. */
  readonly address: string
  /** Strings that must never reach a log: the password as written, decoded, and as SMTP AUTH sends it. */
  readonly secrets: ReadonlyArray<string>
}

const endpointOf = (url: string): Effect.Effect<Endpoint, SmtpMailerError> =>
  Effect.try({
    try: () => new URL(url),
    // The parser's own error quotes the input, password and all.
    catch: () => new SmtpMailerError({ reason: "the SMTP URL is not a valid URL (expected smtp://user:pass@host:587 or smtps://user:pass@host:465)" })
  }).pipe(
    Effect.filterOrFail(
      (parsed) => (parsed.protocol === "smtp:" || parsed.protocol === "smtps:") && parsed.hostname !== "",
      (parsed) => new SmtpMailerError({ reason: `the SMTP URL must be smtp://host[:port] or smtps://host[:port], not ${parsed.protocol}//…` })
    ),
    Effect.map((parsed) => {
      // nodemailer's defaults for a URL without a port: 465 for implicit TLS, 587 (submission) otherwise.
      const port = parsed.port !== "" ? parsed.port : parsed.protocol === "smtps:" ? "465" : "587"
      const user = safeDecode(parsed.username)
      const password = safeDecode(parsed.password)
      const secrets = password === ""
        ? []
        : [parsed.password, password, base64(password), base64(`\0${user}\0${password}`), base64(`${user}\0${user}\0${password}`)]
      return { address: `${parsed.hostname}:${port}`, secrets }
    })
  )

const safeDecode = (component: string) => {
  try {
    return decodeURIComponent(component)
  } catch {
    return component
  }
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

/** The server's own words when it answered (they say why), else nodemailer's; secrets masked in case a server echoes them. */
const describe = (error: unknown, endpoint: Endpoint): string => {
  const details = error instanceof Error ? error as Error & { code?: unknown; response?: unknown } : undefined
  const code = typeof details?.code === "string" ? `${details.code}: ` : ""
  const text = typeof details?.response === "string" ? details.response : details?.message ?? String(error)
  return endpoint.secrets.reduce((masked, secret) => masked.replaceAll(secret, "***"), `${code}${text}`)
}

export const layer = (options: SmtpMailerOptions): Layer.Layer<Mailer, SmtpMailerError> =>
  Layer.scoped(
    Mailer,
    Effect.gen(function*() {
      const endpoint = yield* endpointOf(Redacted.value(options.url))
      const millis = Duration.toMillis(options.timeout)
      const transporter = yield* Effect.acquireRelease(
        Effect.try({
          try: () =>
            nodemailer.createTransport({
              url: Redacted.value(options.url),
              pool: true,
              // A server that stops answering must not hold a connection (or a pool slot) past our own bound.
              connectionTimeout: millis,
              greetingTimeout: millis,
              socketTimeout: millis,
              // Mail here is plain text we compose; content must never make the process read files or fetch URLs.
              disableFileAccess: true,
              disableUrlAccess: true
            }, { from: options.from }),
          catch: (error) => new SmtpMailerError({ reason: `cannot configure the transport for ${endpoint.address}: ${describe(error, endpoint)}` })
        }),
        // Idle pooled connections close at once; a delivery still running was already given up on by its caller.
        (transporter) => Effect.sync(() => transporter.close({ force: true }))
      )
      yield* Effect.tryPromise({
        try: () => transporter.verify(),
        catch: (error) => new SmtpMailerError({ reason: `cannot connect and log in to ${endpoint.address}: ${describe(error, endpoint)}` })
      }).pipe(Effect.timeoutFail({
        duration: options.timeout,
        onTimeout: () => new SmtpMailerError({ reason: `${endpoint.address} did not answer within ${Duration.format(options.timeout)}` })
      }))
      yield* Effect.logInfo(`mail goes out through ${endpoint.address}`).pipe(Effect.annotateLogs("mailer", "smtp"))

      return Mailer.of({
        send: (mail) =>
          Effect.tryPromise({
            // The signal lets a timed-out send leave the pool's queue, or close the connection it stalled on.
            try: (signal) => transporter.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, signal }),
            catch: (error) => new MailNotSent({ reason: `${endpoint.address}: ${describe(error, endpoint)}` })
          }).pipe(
            Effect.timeoutFail({
              duration: options.timeout,
              onTimeout: () => new MailNotSent({ reason: `${endpoint.address} did not take the mail within ${Duration.format(options.timeout)}` })
            }),
            Effect.asVoid
          )
      })
    })
  )
