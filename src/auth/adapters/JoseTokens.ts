import { Clock, Duration, Effect, Layer } from "effect"
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose"
import { randomUUID } from "node:crypto"
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

export const layer = (options: JoseTokensOptions): Layer.Layer<TokenIssuer> =>
  Layer.succeed(TokenIssuer, TokenIssuer.of({
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
            .sign(signer.key)
          return { value, authType: "Bearer" as const, expiresAt: new Date(expiresAt * 1000) }
        })),
    verify: (token) =>
      Effect.gen(function*() {
        const header = yield* Effect.try({ try: () => decodeProtectedHeader(token), catch: () => refuse("malformed header") })
        const key = typeof header.kid === "string" ? options.keys.verifiers.get(header.kid) : undefined
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
  }))
