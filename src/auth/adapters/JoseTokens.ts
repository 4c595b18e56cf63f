import { Duration, Effect, Layer, Redacted } from "effect"
import { errors, jwtVerify, SignJWT } from "jose"
import { UserId } from "../domain/Ids.js"
import { InvalidAccessToken, TokenIssuer } from "../ports/TokenIssuer.js"

export interface JoseTokensOptions {
  /** At least 256 bits; checked by JwtSecret before this layer is built. */
  readonly secret: Redacted.Redacted
  readonly issuer: string
  readonly audience: string
  readonly ttl: Duration.Duration
}

/** RFC 9068 access tokens; verification pins the algorithm, type, issuer and audience. */
const algorithm = "HS256"
const type = "at+jwt"

export const layer = (options: JoseTokensOptions): Layer.Layer<TokenIssuer> =>
  Layer.sync(TokenIssuer, () => {
    const key = new TextEncoder().encode(Redacted.value(options.secret))
    return TokenIssuer.of({
      issue: (userId) =>
        Effect.promise(async () => {
          const issuedAt = Math.floor(Date.now() / 1000)
          const expiresAt = issuedAt + Math.ceil(Duration.toSeconds(options.ttl))
          const value = await new SignJWT({})
            .setProtectedHeader({ alg: algorithm, typ: type })
            .setSubject(userId)
            .setIssuer(options.issuer)
            .setAudience(options.audience)
            .setIssuedAt(issuedAt)
            .setExpirationTime(expiresAt)
            .sign(key)
          return { value, authType: "Bearer" as const, expiresAt: new Date(expiresAt * 1000) }
        }),
      verify: (token) =>
        Effect.tryPromise({
          try: () =>
            jwtVerify(token, key, {
              algorithms: [algorithm],
              typ: type,
              issuer: options.issuer,
              audience: options.audience,
              requiredClaims: ["exp", "iat", "sub"]
            }),
          catch: (error) =>
            new InvalidAccessToken({ reason: error instanceof errors.JOSEError ? error.code : String(error) })
        }).pipe(Effect.map(({ payload }) => UserId(payload.sub as string)))
    })
  })
