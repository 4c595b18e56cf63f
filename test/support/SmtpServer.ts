/**
 * A real SMTP server inside the test process (the smtp-server package) on a free 127.0.0.1 port.
 * It keeps what it receives, can refuse or stall the next messages, and can be stopped and started
 * again on the same port, so tests can drive a mailer through the failures a retrying worker meets.
 */
import { Effect, type Scope } from "effect"
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server"

export interface SmtpServerOptions {
  /** Credentials the server accepts; without them AUTH is not offered at all. */
  readonly auth?: { readonly user: string; readonly pass: string }
  /** With auth: let clients send without logging in. Defaults to false. */
  readonly authOptional?: boolean
  /**
   * TLS with smtp-server's built-in self-signed certificate: offered through STARTTLS, or from the
   * first byte ("implicit", the server's url is then smtps://). Plain text only when absent.
   */
  readonly tls?: "starttls" | "implicit"
}

export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  readonly from: string
  /** Envelope recipients (RCPT TO). */
  readonly to: ReadonlyArray<string>
  /** Who logged in, if anyone. */
  readonly user: string | undefined
  /** Whether the session ran over TLS. */
  readonly secure: boolean
  /** Header names lower-cased, RFC 2047 encoded words decoded. */
  readonly headers: ReadonlyMap<string, string>
  readonly subject: string
  /** The decoded body of a single-part message, line breaks as "\n". */
  readonly text: string
  /** The message as transmitted (dot-unstuffed), for anything the minimal parsing above leaves out. */
  readonly raw: string
}

export interface SmtpServer {
  readonly port: number
  /** smtp[s]://user:pass@127.0.0.1:port with the configured credentials, smtp[s]://127.0.0.1:port without. */
  readonly url: string
  readonly received: Effect.Effect<ReadonlyArray<ReceivedMail>>
  /** Answers the next `count` messages with `451 4.3.0` (a temporary failure: the client should retry). */
  readonly rejectNext: (count: number) => Effect.Effect<void>
  /** Takes the next `count` messages but never answers DATA, as an overloaded server might. */
  readonly stallNext: (count: number) => Effect.Effect<void>
  /** How many messages it has taken and left unanswered so far (stallNext). */
  readonly stalled: Effect.Effect<number>
  /** Stops listening and drops open connections (pooled ones included): the server is down. */
  readonly stop: Effect.Effect<void>
  /** Listens again on the same port. */
  readonly start: Effect.Effect<void>
}

/** Starts the server; it stops when the scope closes. */
export const make = (options: SmtpServerOptions = {}): Effect.Effect<SmtpServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Plain mutable state: only smtp-server's callbacks and the Effect.sync accessors below touch it,
    // all on the one event loop.
    const received: Array<ReceivedMail> = []
    let toReject = 0
    let toStall = 0
    let stalled = 0
    let server: SMTPServer | undefined

    const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, done: (error?: Error | null) => void) => {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        if (toStall > 0) {
          toStall--
          stalled++
          return
        }
        if (toReject > 0) {
          toReject--
          done(Object.assign(new Error("4.3.0 Try again later"), { responseCode: 451 }))
          return
        }
        received.push(toReceivedMail(Buffer.concat(chunks).toString("utf8"), session))
        done()
      })
    }

    const create = () =>
      new SMTPServer({
        secure: options.tls === "implicit",
        authOptional: options.auth === undefined || options.authOptional === true,
        allowInsecureAuth: true,
        disabledCommands: [...(options.auth === undefined ? ["AUTH"] : []), ...(options.tls === "starttls" ? [] : ["STARTTLS"])],
        disableReverseLookup: true,
        // Pooled client connections would otherwise keep stop() waiting for 30 s.
        closeTimeout: 10,
        logger: false,
        onAuth: (auth, _session, done) =>
          auth.username === options.auth?.user && auth.password === options.auth?.pass
            ? done(null, { user: auth.username })
            : done(Object.assign(new Error("Invalid username or password"), { responseCode: 535 })),
        onData
      })

    const listen = (port: number) =>
      Effect.async<number>((resume) => {
        const started = create()
        server = started
        // A client giving up mid-transaction (a timed-out send) resets its connection; smtp-server
        // reports that as an 'error' event, which would crash the test process if nobody listened.
        started.on("error", () => undefined)
        const failed = (error: Error) => resume(Effect.die(error))
        started.server.once("error", failed)
        started.listen(port, "127.0.0.1", () => {
          started.server.off("error", failed)
          const address = started.server.address()
          resume(typeof address === "object" && address !== null ? Effect.succeed(address.port) : Effect.dieMessage("no TCP address"))
        })
      })

    const stop = Effect.async<void>((resume) => {
      const running = server
      server = undefined
      if (running === undefined) return resume(Effect.void)
      running.close(() => resume(Effect.void))
    })

    const port = yield* listen(0)
    yield* Effect.addFinalizer(() => stop)
    const credentials = options.auth === undefined
      ? ""
      : `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`

    return {
      port,
      url: `${options.tls === "implicit" ? "smtps" : "smtp"}://${credentials}127.0.0.1:${port}`,
      received: Effect.sync(() => [...received]),
      rejectNext: (count) => Effect.sync(() => void (toReject = count)),
      stallNext: (count) => Effect.sync(() => void (toStall = count)),
      stalled: Effect.sync(() => stalled),
      stop,
      start: Effect.asVoid(listen(port))
    }
  })

const toReceivedMail = (raw: string, session: SMTPServerSession): ReceivedMail => {
  const split = raw.indexOf("\r\n\r\n")
  const head = split === -1 ? raw : raw.slice(0, split)
  const body = split === -1 ? "" : raw.slice(split + 4)
  const headers = new Map<string, string>()
  // Unfold (RFC 5322 §2.2.3), then one header per line.
  for (const line of head.replace(/\r\n(?=[ \t])/g, "").split("\r\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()))
  }
  return {
    from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    user: typeof session.user === "string" ? session.user : undefined,
    secure: session.secure,
    headers,
    subject: headers.get("subject") ?? "",
    text: decodeBody(body, headers.get("content-transfer-encoding")).replace(/\r\n/g, "\n"),
    raw
  }
}

/** Bytes from quoted-printable (RFC 2045 §6.7); `q` is the header flavour, where "_" is a space. */
const quotedPrintable = (text: string, q = false): Buffer =>
  Buffer.from(
    (q ? text.replace(/_/g, " ") : text)
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1"
  )

const decodeBody = (body: string, encoding = "7bit"): string => {
  switch (encoding.toLowerCase()) {
    case "quoted-printable":
      return quotedPrintable(body).toString("utf8")
    case "base64":
      return Buffer.from(body, "base64").toString("utf8")
    default:
      return body
  }
}

const encodedWord = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g

/** RFC 2047 encoded words, UTF-8 only. Adjacent words are joined as bytes: a character may span two. */
const decodeWords = (value: string): string => {
  // Whitespace between two encoded words is folding, not content (RFC 2047 §6.2).
  const joined = value.replace(/\?=\s+=\?/g, "?==?")
  let decoded = ""
  let pending: Array<Buffer> = []
  let last = 0
  const flush = () => {
    decoded += Buffer.concat(pending).toString("utf8")
    pending = []
  }
  for (const match of joined.matchAll(encodedWord)) {
    if (match.index > last) {
      flush()
      decoded += joined.slice(last, match.index)
    }
    const [, , kind, text = ""] = match
    pending.push(kind?.toUpperCase() === "B" ? Buffer.from(text, "base64") : quotedPrintable(text, true))
    last = match.index + match[0].length
  }
  flush()
  return decoded + joined.slice(last)
}
