/**
 * The token keys, from configuration, resolved once at start: the key that signs (JWT_SECRET for
 * HS256, or JWT_PRIVATE_KEY(_FILE) for EdDSA/RS256) and the keys that only verify
 * (JWT_VERIFY_KEYS(_FILE), a JWKS), each selected by `kid`. A bad key stops the start with a message
 * naming its variable. Without any key, development and tests sign with a generated Ed25519 key kept
 * in DATA_DIR; production refuses to start.
 */
import { Data, Effect, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import type { Environment, KeySource, TokenConfig } from "../../Config.js"
import * as DevSigningKey from "./DevSigningKey.js"
import * as JwtKeys from "./JwtKeys.js"

export interface KeySet {
  readonly signer: JwtKeys.SigningKey
  /** By `kid`: the signer's verifying half and every verify-only key. */
  readonly verifiers: ReadonlyMap<string, JwtKeys.VerificationKey>
}

export class SigningKeyError extends Data.TaggedError("SigningKeyError")<{ readonly variable: string; readonly reason: string }> {
  override get message() {
    return `${this.variable}: ${this.reason}`
  }
}

/** Throws when two keys claim one `kid`: verification could not tell which one a token means. */
export const keySet = (signer: JwtKeys.SigningKey, verifyOnly: ReadonlyArray<JwtKeys.VerificationKey> = []): KeySet => {
  const verifiers = new Map([[signer.kid, signer.verification]])
  for (const key of verifyOnly) {
    if (verifiers.has(key.kid)) throw new Error(`kid ${key.kid} is used by two keys${key.kid === signer.kid ? " (one is the signing key)" : ""}`)
    verifiers.set(key.kid, key)
  }
  return { signer, verifiers }
}

export type SigningKeysOptions = Pick<TokenConfig, "secret" | "privateKey" | "verifyKeys"> & {
  readonly environment: Environment
  readonly dataDir: string
}

const parse = <A>(variable: string, run: () => A) =>
  Effect.try({ try: run, catch: (error) => new SigningKeyError({ variable, reason: error instanceof Error ? error.message : String(error) }) })

const read = (source: KeySource) =>
  source._tag === "Inline" ? Effect.succeed(Redacted.value(source.value)) : parse(source.variable, () => Fs.readFileSync(source.path, "utf8"))

const generateSecretHint = "generate one with `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`"

const signer = (options: SigningKeysOptions): Effect.Effect<JwtKeys.SigningKey, SigningKeyError> => {
  if (Option.isSome(options.secret) && Option.isSome(options.privateKey)) {
    return new SigningKeyError({ variable: "JWT_SECRET", reason: `set JWT_SECRET (HS256) or ${options.privateKey.value.variable} (EdDSA, RS256), not both` })
  }
  if (Option.isSome(options.secret)) {
    const secret = Buffer.from(Redacted.value(options.secret.value), "utf8")
    return parse("JWT_SECRET", () => JwtKeys.fromSecret(secret)).pipe(
      Effect.mapError((error) => new SigningKeyError({ ...error, reason: `${error.reason}; ${generateSecretHint}` }))
    )
  }
  if (Option.isSome(options.privateKey)) {
    const source = options.privateKey.value
    return Effect.flatMap(read(source), (text) => parse(source.variable, () => JwtKeys.fromPrivateKey(text)))
  }
  if (options.environment === "production") {
    return new SigningKeyError({
      variable: "JWT_PRIVATE_KEY",
      reason: "a signing key is required when NODE_ENV=production: set JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE (Ed25519 or RSA), or JWT_SECRET (HS256)"
    })
  }
  return DevSigningKey.keep(options.dataDir).pipe(
    Effect.mapError((reason) => new SigningKeyError({ variable: "DATA_DIR", reason })),
    Effect.flatMap(({ file, pem }) =>
      parse(file, () => JwtKeys.fromPrivateKey(pem)).pipe(
        Effect.tap(Effect.logInfo(`no signing key configured: using the development key in ${file}`))
      ))
  )
}

const verifyOnly = (source: Option.Option<KeySource>) =>
  Option.match(source, {
    onNone: () => Effect.succeed([]),
    onSome: (source) => Effect.flatMap(read(source), (text) => parse(source.variable, () => JwtKeys.fromVerifyKeySet(text)))
  })

export const resolve = (options: SigningKeysOptions): Effect.Effect<KeySet, SigningKeyError> =>
  Effect.gen(function*() {
    const signing = yield* signer(options)
    const others = yield* verifyOnly(options.verifyKeys)
    const keys = yield* parse(Option.match(options.verifyKeys, { onNone: () => "JWT_VERIFY_KEYS", onSome: (source) => source.variable }), () =>
      keySet(signing, others))
    yield* Effect.logInfo(`signing tokens with ${signing.algorithm} key ${signing.kid}; verifying kids ${[...keys.verifiers.keys()].join(", ")}`)
    return keys
  })
