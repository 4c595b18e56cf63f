import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, TestClock } from "effect"
import { decodeProtectedHeader } from "jose"
import { randomBytes } from "node:crypto"
import * as JoseTokens from "../../src/auth/adapters/JoseTokens.js"
import * as JwtKeys from "../../src/auth/adapters/JwtKeys.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import { SessionId, UserId } from "../../src/auth/domain/Ids.js"
import { TokenIssuer } from "../../src/auth/ports/TokenIssuer.js"
import * as HostileTokens from "../support/HostileTokens.js"

const expected = { issuer: "kingdom-test", audience: "kingdom-test" }
const claims = { userId: UserId("3f1c0d8e-0000-4000-8000-000000000001"), sessionId: SessionId("3f1c0d8e-0000-4000-8000-000000000002") }

const tokens = (keys: SigningKeys.KeySet) => JoseTokens.layer({ keys, ...expected, ttl: Duration.minutes(15) })

const issue = Effect.flatMap(TokenIssuer, (issuer) => issuer.issue(claims))
const verify = (token: string) => Effect.flatMap(TokenIssuer, (issuer) => Effect.either(issuer.verify(token)))

/** The reason a token was refused, or "accepted". */
const outcome = (token: string) => Effect.map(verify(token), Either.match({ onLeft: (error) => error.reason, onRight: () => "accepted" }))

const ed25519 = HostileTokens.generate("ed25519")
const rsa = HostileTokens.generate("rsa")
const secret = randomBytes(32)
const hmac: HostileTokens.HeldKey = { kid: JwtKeys.fromSecret(secret).kid, algorithm: "HS256", privateKey: secret }

const signers = [
  { name: "EdDSA", key: ed25519, signing: JwtKeys.fromPrivateKey(ed25519.pem) },
  { name: "RS256", key: rsa, signing: JwtKeys.fromPrivateKey(rsa.pem) },
  { name: "HS256", key: hmac, signing: JwtKeys.fromSecret(secret) }
]

describe("JoseTokens", () => {
  for (const { key, name, signing } of signers) {
    it.live(`${name}: issues tokens naming their kid, verifies them back, and refuses every hostile variant`, () =>
      Effect.gen(function*() {
        const token = yield* issue
        expect(decodeProtectedHeader(token.value)).toEqual({ alg: key.algorithm, typ: "at+jwt", kid: key.kid })
        expect(yield* verify(token.value)).toEqual(Either.right(claims))
        expect(yield* outcome(yield* Effect.promise(() => HostileTokens.genuine(key, HostileTokens.payloadOf(token.value), expected)))).toBe("accepted")
        const cases = yield* Effect.promise(() => HostileTokens.hostileCases(token.value, key, expected))
        expect(cases.length).toBeGreaterThanOrEqual(13)
        for (const hostile of cases) {
          expect(yield* outcome(hostile.token), hostile.name).not.toBe("accepted")
        }
        expect(yield* outcome("not.a.token")).toBe("malformed header")
      }).pipe(Effect.provide(tokens(SigningKeys.keySet(signing)))))
  }

  it.live("names why: unknown kid, a pinned algorithm, claims", () =>
    Effect.gen(function*() {
      const token = (yield* issue).value
      const cases = Object.fromEntries((yield* Effect.promise(() => HostileTokens.hostileCases(token, ed25519, expected))).map((c) => [c.name, c.token]))
      expect(yield* outcome(cases["unknown kid"]!)).toBe(`unknown kid "not-a-key-of-ours"`)
      expect(yield* outcome(cases["HS256 keyed with the public key (PEM)"]!)).toMatch(/^ERR_JOSE_ALG_NOT_ALLOWED/)
      expect(yield* outcome(cases["alg none"]!)).toMatch(/^ERR_JOSE_ALG_NOT_ALLOWED/)
      expect(yield* outcome(cases["wrong iss"]!)).toMatch(/"iss" claim/)
      expect(yield* outcome(cases["future nbf"]!)).toMatch(/"nbf" claim/)
      expect(yield* outcome(cases["missing sid"]!)).toMatch(/"sid" claim/)
    }).pipe(Effect.provide(tokens(SigningKeys.keySet(JwtKeys.fromPrivateKey(ed25519.pem))))))

  it.live("rotation: a verify-only key accepts the old signer's tokens until it is removed", () =>
    Effect.gen(function*() {
      const old = (yield* Effect.provide(issue, tokens(SigningKeys.keySet(JwtKeys.fromPrivateKey(ed25519.pem))))).value
      const oldKey = JwtKeys.fromVerifyKeySet(HostileTokens.verifyKeySet(ed25519))
      const during = tokens(SigningKeys.keySet(JwtKeys.fromPrivateKey(rsa.pem), oldKey))
      expect(yield* Effect.provide(verify(old), during)).toEqual(Either.right(claims))
      const fresh = (yield* Effect.provide(issue, during)).value
      expect(decodeProtectedHeader(fresh).kid).toBe(rsa.kid)
      const after = tokens(SigningKeys.keySet(JwtKeys.fromPrivateKey(rsa.pem)))
      expect(yield* Effect.provide(outcome(old), after)).toBe(`unknown kid "${ed25519.kid}"`)
      expect(yield* Effect.provide(outcome(fresh), after)).toBe("accepted")
    }))

  it.effect("expiry follows Effect's clock: valid for the TTL, refused from then on", () =>
    Effect.gen(function*() {
      const token = (yield* issue).value
      yield* TestClock.adjust(Duration.minutes(15).pipe(Duration.subtract(Duration.seconds(1))))
      expect(yield* outcome(token)).toBe("accepted")
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* outcome(token)).toMatch(/^ERR_JWT_EXPIRED/)
    }).pipe(Effect.provide(Layer.fresh(tokens(SigningKeys.keySet(JwtKeys.fromPrivateKey(ed25519.pem)))))))
})
