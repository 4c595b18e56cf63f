import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Redacted } from "effect"
import { SignJWT, UnsecuredJWT } from "jose"
import * as JoseTokens from "../../src/auth/adapters/JoseTokens.js"
import { UserId } from "../../src/auth/domain/Ids.js"
import { TokenIssuer } from "../../src/auth/ports/TokenIssuer.js"

const secret = "a-test-secret-of-at-least-thirty-two-bytes!"
const options = { secret: Redacted.make(secret), issuer: "kingdom-test", audience: "kingdom-test", ttl: Duration.hours(1) }
const key = new TextEncoder().encode(secret)
const now = () => Math.floor(Date.now() / 1000)

/** A token as an attacker (or a misconfigured peer) might craft it; each test changes one thing. */
const forge = (change: (jwt: SignJWT) => SignJWT = (jwt) => jwt, header: Record<string, unknown> = {}) =>
  change(new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header }).setSubject("u1")
    .setIssuer(options.issuer).setAudience(options.audience).setIssuedAt(now()).setExpirationTime(now() + 60)).sign(key)

const verify = (token: string) => Effect.flatMap(TokenIssuer, (tokens) => Effect.either(tokens.verify(token)))

describe("JoseTokens", () => {
  it.live("issues a token it verifies back to the user id", () =>
    Effect.gen(function*() {
      const tokens = yield* TokenIssuer
      const token = yield* tokens.issue(UserId("user-1"))
      expect(token.authType).toBe("Bearer")
      expect(yield* tokens.verify(token.value)).toBe("user-1")
      expect(Either.isRight(yield* verify(yield* Effect.promise(() => forge())))).toBe(true)
    }).pipe(Effect.provide(JoseTokens.layer(options))))

  it.live("refuses tampered, unsigned, expired, foreign and mistyped tokens", () =>
    Effect.gen(function*() {
      const valid = (yield* Effect.flatMap(TokenIssuer, (tokens) => tokens.issue(UserId("user-1")))).value
      const [header, , signature] = valid.split(".")
      const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: "admin", exp: now() + 60, iat: now(), iss: options.issuer, aud: options.audience })).toString("base64url")}.${signature}`
      const candidates = [
        tampered,
        new UnsecuredJWT({ sub: "u1" }).setIssuer(options.issuer).setAudience(options.audience).setIssuedAt().setExpirationTime("1h").encode(),
        yield* Effect.promise(() => forge((jwt) => jwt.setExpirationTime(now() - 10))),
        yield* Effect.promise(() => forge((jwt) => jwt.setIssuer("someone-else"))),
        yield* Effect.promise(() => forge((jwt) => jwt.setAudience("another-api"))),
        yield* Effect.promise(() => forge(undefined, { typ: "JWT" })),
        yield* Effect.promise(() => new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "at+jwt" }).setSubject("u1")
          .setIssuer(options.issuer).setAudience(options.audience).setIssuedAt(now()).sign(key)),
        "not.a.token"
      ]
      for (const candidate of candidates) {
        const result = yield* verify(candidate)
        expect(Either.isLeft(result) && result.left._tag).toBe("InvalidAccessToken")
      }
    }).pipe(Effect.provide(JoseTokens.layer(options))))
})
