/**
 * The HMAC key for access tokens. A configured JWT_SECRET must carry at least 256 bits (RFC 7518
 * §3.2 for HS256). Production refuses to start without one; development and tests keep a generated key
 * in the data directory, so tokens survive restarts without anyone having to invent a secret.
 */
import { Data, Effect, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Environment } from "../../Config.js"
import { randomSecret } from "../../kernel/Secrets.js"

export const minimumBytes = 32

export const fileName = "jwt-secret"

export class JwtSecretError extends Data.TaggedError("JwtSecretError")<{ readonly reason: string }> {
  override get message() {
    return `JWT secret: ${this.reason}`
  }
}

export interface JwtSecretOptions {
  readonly secret: Option.Option<Redacted.Redacted>
  readonly environment: Environment
  readonly dataDir: string
}

const strongEnough = (secret: string) => Buffer.byteLength(secret, "utf8") >= minimumBytes

const fromEnvironment = (secret: Redacted.Redacted) =>
  strongEnough(Redacted.value(secret))
    ? Effect.succeed(secret)
    : Effect.fail(new JwtSecretError({
      reason: `JWT_SECRET must be at least ${minimumBytes} bytes; generate one with ` +
        `\`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\``
    }))

/** Reads the kept key, or creates it (owner-only) if this is the first start; a racing start reads the winner's. */
const fromFile = (dataDir: string) =>
  Effect.try({
    try: () => {
      const file = Path.join(Path.resolve(dataDir), fileName)
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      // Written aside, then linked into place: link fails if the key exists, and a racing reader
      // never sees a half-written file.
      const draft = `${file}.${process.pid}.tmp`
      Fs.writeFileSync(draft, `${randomSecret(minimumBytes)}\n`, { mode: 0o600 })
      try {
        Fs.linkSync(draft, file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      } finally {
        Fs.rmSync(draft, { force: true })
      }
      return { file, secret: Fs.readFileSync(file, "utf8").trim() }
    },
    catch: (error) => new JwtSecretError({ reason: `cannot read or create the development key in ${dataDir}: ${String(error)}` })
  }).pipe(
    Effect.filterOrFail(
      ({ secret }) => strongEnough(secret),
      ({ file }) => new JwtSecretError({ reason: `${file} holds fewer than ${minimumBytes} bytes; delete it to have a new one made` })
    ),
    Effect.tap(({ file }) => Effect.logInfo(`JWT_SECRET not set: signing tokens with the development key in ${file}`)),
    Effect.map(({ secret }) => Redacted.make(secret))
  )

export const resolve = (options: JwtSecretOptions): Effect.Effect<Redacted.Redacted, JwtSecretError> =>
  Option.match(options.secret, {
    onSome: fromEnvironment,
    onNone: () =>
      options.environment === "production"
        ? Effect.fail(new JwtSecretError({ reason: `JWT_SECRET is required when NODE_ENV=production (at least ${minimumBytes} bytes)` }))
        : fromFile(options.dataDir)
  })
