import { Clock, Duration, Effect, Layer } from "effect"
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose"
import { type KeyObject, randomUUID } from "node:crypto"
import { SessionId, UserId } from "../domain/Ids.js"
import { InvalidAccessToken, TokenIssuer } from "../ports/TokenIssuer.js"
import type { KeySet } from "./SigningKeys.js"

export interface JoseTokensOptions {
  readonly keys: KeySet
  readonly issuer: string
  readonly audience: string
  readonly ttl: Duration.Duration
}

/**
 * RFC 9068 access tokens. Verification takes the key the header's `kid` names and accepts only that
 * key's algorithm, the `at+jwt` type, our issuer and audience, and a token carrying exp, iat, sub and
 * sid; jose also refuses a `nbf` in the future. Times come from Effect's Clock.
 */
const type = "at+jwt"

const refuse = (reason: string) => new InvalidAccessToken({ reason })

/**
 * An HMAC secret as a CryptoKey, imported once: given the bytes, jose imports them anew on every
 * signature and verification (WebCrypto's importKey was about a twentieth of an authenticated request's
 * CPU). Public keys are KeyObjects, which jose converts once and caches itself.
 */
const prepared = (key: KeyObject | Uint8Array, usage: "sign" | "verify"): Promise<KeyObject | CryptoKey> =>
  key instanceof Uint8Array
    ? crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, [usage])
    : Promise.resolve(key)

export const layer = (options: JoseTokensOptions): Layer.Layer<TokenIssuer> =>
  Layer.effect(TokenIssuer, Effect.promise(async () => {
    const signingKey = await prepared(options.keys.signer.key, "sign")
    const verifiers = new Map(await Promise.all([...options.keys.verifiers].map(async ([kid, verifier]) =>
      [kid, { algorithm: verifier.algorithm, key: await prepared(verifier.key, "verify") }] as const)))
    return TokenIssuer.of({
      issue: ({ sessionId, userId }) =>
        Effect.flatMap(Clock.currentTimeMillis, (millis) =>
          Effect.promise(async () => {
            const { signer } = options.keys
            const issuedAt = Math.floor(millis / 1000)
            const expiresAt = issuedAt + Math.ceil(Duration.toSeconds(options.ttl))
            const value = await new SignJWT({ sid: sessionId })
              .setProtectedHeader({ alg: signer.algorithm, typ: type, kid: signer.kid })
              .setSubject(userId)
              .setIssuer(options.issuer)
              .setAudience(options.audience)
              .setIssuedAt(issuedAt)
              .setExpirationTime(expiresAt)
              .setJti(randomUUID())
              .sign(signingKey)
            return { value, authType: "Bearer" as const, expiresAt: new Date(expiresAt * 1000) }
          })),
      verify: (token) =>
        Effect.gen(function*() {
          const header = yield* Effect.try({ try: () => decodeProtectedHeader(token), catch: () => refuse("malformed header") })
          const key = typeof header.kid === "string" ? verifiers.get(header.kid) : undefined
          // Only a string kid is quoted: another may nest deeper than JSON.stringify can recurse.
          if (key === undefined) return yield* refuse(`unknown kid ${typeof header.kid === "string" ? JSON.stringify(header.kid) : typeof header.kid}`)
          const currentDate = new Date(yield* Clock.currentTimeMillis)
          const { payload } = yield* Effect.tryPromise({
            try: () =>
              jwtVerify(token, key.key, {
                algorithms: [key.algorithm],
                typ: type,
                issuer: options.issuer,
                audience: options.audience,
                requiredClaims: ["exp", "iat", "sub", "sid"],
                currentDate
              }),
            catch: (error) => refuse(error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : String(error))
          })
          if (typeof payload.sub !== "string" || typeof payload["sid"] !== "string") return yield* refuse("sub and sid must be strings")
          return { userId: UserId(payload.sub), sessionId: SessionId(payload["sid"]) }
        })
    })
  }))
