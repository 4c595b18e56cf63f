/**
 * Access and refresh tokens over real HTTP: every hostile bearer token is refused, the JWKS endpoint
 * publishes the public keys (and nothing secret), refresh tokens rotate and their reuse ends the
 * family, logout and a password change end sessions, and keys rotate across restarts.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { KeySource } from "../../src/Config.js"
import * as HostileTokens from "../support/HostileTokens.js"
import * as TestServer from "../support/TestServer.js"
import { adminToken, codes, command, commandOk, graphql, mailTo, newUser } from "../support/TestServer.js"

const inline = (variable: string, value: string): Option.Option<KeySource> => Option.some({ _tag: "Inline", variable, value: Redacted.make(value) })

/** The server signs with RS256 and also accepts an Ed25519 key it lists as verify-only. */
const rsa = HostileTokens.generate("rsa")
const ed25519 = HostileTokens.generate("ed25519")
const keys = { privateKey: inline("JWT_PRIVATE_KEY", rsa.pem), verifyKeys: inline("JWT_VERIFY_KEYS", HostileTokens.verifyKeySet(ed25519)) }
const expected = { issuer: TestServer.tokenSettings.issuer, audience: TestServer.tokenSettings.audience }

const signInMutation = `mutation ($command: Credentials!) { authenticate(command: $command) { token { value authType expiresAt refreshToken } } }`
const refreshMutation = `mutation ($command: RefreshToken!) { refreshToken(command: $command) { value authType expiresAt refreshToken } }`

interface Tokens {
  readonly value: string
  readonly refreshToken: string
}

const signIn = (accessKey: string, password: string) =>
  Effect.map(graphql(signInMutation, { command: { accessKey, password } }), (response) => {
    expect(response.errors).toBeUndefined()
    return response.data!["authenticate"].token as Tokens
  })

const refresh = (refreshToken: string) => graphql(refreshMutation, { command: { refreshToken } })

const refreshed = (refreshToken: string) =>
  Effect.map(refresh(refreshToken), (response) => {
    expect(response.errors).toBeUndefined()
    return response.data!["refreshToken"] as Tokens
  })

/** Who `me` says the bearer of `token` is: an access key, or the error code. */
const whoAmI = (token: string) =>
  Effect.map(graphql("{ me { accessKey } }", {}, token), (response) => response.data?.["me"]?.accessKey ?? codes(response).join(","))

/** A new user, created by the administrator, signed in. */
const newSignedInUser = Effect.gen(function*() {
  const user = newUser("tokens")
  yield* commandOk("createUser", "CreateUser", user, yield* adminToken)
  return { user, tokens: yield* signIn(user.accessKey, user.password) }
})

const fetchJson = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, headers: response.headers, body: await response.json() as { keys: Array<Record<string, unknown>> } }
  })

describe("tokens over HTTP", () => {
  layer(TestServer.make({}, { keys }), { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("refuses every hostile bearer token as UNAUTHENTICATED, while genuine ones of either key work", () =>
      Effect.gen(function*() {
        const { tokens, user } = yield* newSignedInUser
        expect(decodeProtectedHeader(tokens.value)).toEqual({ alg: "RS256", typ: "at+jwt", kid: rsa.kid })
        expect(yield* whoAmI(tokens.value)).toBe(user.accessKey)
        const claims = HostileTokens.payloadOf(tokens.value)
        // The verify-only key is a key of the set: a token it signs is accepted (a rotation's old key).
        expect(yield* whoAmI(yield* Effect.promise(() => HostileTokens.genuine(ed25519, claims, expected)))).toBe(user.accessKey)

        const cases = [
          ...(yield* Effect.promise(() => HostileTokens.hostileCases(tokens.value, rsa, expected))),
          ...(yield* Effect.promise(() => HostileTokens.hostileCases(tokens.value, ed25519, expected)))
        ]
        expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining([
          "alg none",
          "HS256 keyed with the public key (PEM)",
          "wrong iss",
          "wrong aud",
          "wrong typ",
          "missing exp",
          "past exp",
          "future nbf",
          "tampered payload, signature kept",
          "unknown kid"
        ]))
        for (const hostile of cases) {
          const response = yield* graphql("{ me { accessKey } }", {}, hostile.token)
          expect({ name: hostile.name, codes: codes(response), data: response.data }).toEqual({
            name: hostile.name,
            codes: ["UNAUTHENTICATED"],
            data: { me: null }
          })
        }
      }))

    it.effect("/.well-known/jwks.json lists the public keys, cacheably, with nothing private; a third party verifies with it", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* TestServer.TestServer
        const { body, headers, status } = yield* fetchJson(`${baseUrl}/.well-known/jwks.json`)
        expect(status).toBe(200)
        expect(headers.get("cache-control")).toBe("public, max-age=300")
        expect(headers.get("content-type")).toMatch(/^application\/json/)
        expect(body.keys.map((key) => [key["kid"], key["alg"], key["kty"], key["use"]])).toEqual([
          [rsa.kid, "RS256", "RSA", "sig"],
          [ed25519.kid, "EdDSA", "OKP", "sig"]
        ])
        for (const key of body.keys) {
          expect(Object.keys(key).filter((member) => ["d", "p", "q", "dp", "dq", "qi", "k"].includes(member))).toEqual([])
          expect(yield* Effect.promise(() => calculateJwkThumbprint(key))).toBe(key["kid"])
        }
        const { tokens, user } = yield* newSignedInUser
        const verified = yield* Effect.promise(() =>
          jwtVerify(tokens.value, createLocalJWKSet(body as never), { ...expected, typ: "at+jwt", algorithms: ["RS256"] }))
        expect(verified.payload["sub"]).toBeTypeOf("string")
        expect(yield* whoAmI(tokens.value)).toBe(user.accessKey)
      }))

    it.effect("refresh rotates: a new pair, the spent refresh token refused", () =>
      Effect.gen(function*() {
        const { tokens, user } = yield* newSignedInUser
        const next = yield* refreshed(tokens.refreshToken)
        expect(next.refreshToken).not.toBe(tokens.refreshToken)
        expect(next.value).not.toBe(tokens.value)
        expect(yield* whoAmI(next.value)).toBe(user.accessKey)
        expect(HostileTokens.payloadOf(next.value)["sid"]).toBe(HostileTokens.payloadOf(tokens.value)["sid"])
        const again = yield* refreshed(next.refreshToken)
        expect(yield* whoAmI(again.value)).toBe(user.accessKey)
        const made = yield* refresh(randomBytes(32).toString("base64url"))
        expect({ codes: codes(made), data: made.data }).toEqual({ codes: ["INVALID_TOKEN"], data: { refreshToken: null } })
      }))

    it.effect("a reused refresh token revokes the family: the newest refresh and access tokens stop too", () =>
      Effect.gen(function*() {
        const { tokens, user } = yield* newSignedInUser
        const elsewhere = yield* signIn(user.accessKey, user.password)
        const newest = yield* refreshed(tokens.refreshToken)
        expect(codes(yield* refresh(tokens.refreshToken))).toEqual(["INVALID_TOKEN"])
        expect(codes(yield* refresh(newest.refreshToken))).toEqual(["INVALID_TOKEN"])
        expect(yield* whoAmI(newest.value)).toBe("UNAUTHENTICATED")
        expect(yield* whoAmI(tokens.value)).toBe("UNAUTHENTICATED")
        // Another sign-in is another family.
        expect(yield* whoAmI(elsewhere.value)).toBe(user.accessKey)
        expect(yield* whoAmI((yield* refreshed(elsewhere.refreshToken)).value)).toBe(user.accessKey)
      }))

    it.effect("two simultaneous refreshes with one token: one answers, and the family ends", () =>
      Effect.gen(function*() {
        const { tokens } = yield* newSignedInUser
        const [first, second] = yield* Effect.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)], { concurrency: 2 })
        const answers = [first!, second!]
        expect(answers.map((response) => codes(response)).sort()).toEqual([[], ["INVALID_TOKEN"]])
        const winner = answers.find((response) => response.errors === undefined)!.data!["refreshToken"] as Tokens
        expect(codes(yield* refresh(winner.refreshToken))).toEqual(["INVALID_TOKEN"])
        expect(yield* whoAmI(winner.value)).toBe("UNAUTHENTICATED")
      }))

    it.effect("logout ends the session: its access and refresh tokens are refused; it needs a caller", () =>
      Effect.gen(function*() {
        const { tokens, user } = yield* newSignedInUser
        const elsewhere = yield* signIn(user.accessKey, user.password)
        const anonymous = yield* graphql("mutation { logout { status } }")
        expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"])
        const out = yield* graphql("mutation { logout { status message } }", {}, tokens.value)
        expect(out.data).toEqual({ logout: { status: "LOGGED_OUT", message: "Signed out: the session's tokens no longer work" } })
        expect(yield* whoAmI(tokens.value)).toBe("UNAUTHENTICATED")
        expect(codes(yield* refresh(tokens.refreshToken))).toEqual(["INVALID_TOKEN"])
        expect(codes(yield* graphql("mutation { logout { status } }", {}, tokens.value))).toEqual(["UNAUTHENTICATED"])
        expect(yield* whoAmI(elsewhere.value)).toBe(user.accessKey)
      }))

    it.effect("a password change through a reset link ends every session of the user", () =>
      Effect.gen(function*() {
        const { tokens, user } = yield* newSignedInUser
        const other = yield* signIn(user.accessKey, user.password)
        expect((yield* command("resetPassword", "SendEmailReset", { accessKey: user.accessKey })).errors).toBeUndefined()
        const mail = (yield* mailTo(user.email, 2)).find((sent) => sent.subject === "Reset your password")!
        const token = new URL(/https?:\/\/\S+/.exec(mail.text)![0]).searchParams.get("token")!
        expect((yield* command("changePassword", "ChangePassword", { token, newPassword: "a brand new passphrase" })).errors).toBeUndefined()
        for (const session of [tokens, other]) {
          expect(yield* whoAmI(session.value)).toBe("UNAUTHENTICATED")
          expect(codes(yield* refresh(session.refreshToken))).toEqual(["INVALID_TOKEN"])
        }
        expect(yield* whoAmI((yield* signIn(user.accessKey, "a brand new passphrase")).value)).toBe(user.accessKey)
      }))
  })
})

describe("key rotation across restarts", () => {
  /** Runs `body` against a server on `dataDir` with `keys`, then stops it (the database stays). */
  const withServer = <A>(dataDir: string, keys: TestServer.TokenOptions["keys"], body: Effect.Effect<A, never, TestServer.TestServer>) =>
    Effect.scoped(Effect.flatMap(Layer.build(TestServer.make({}, { keys: keys ?? {}, dataDir })), (context) => Effect.provide(body, context)))

  const jwksKids = Effect.flatMap(TestServer.TestServer, ({ baseUrl }) =>
    Effect.map(fetchJson(`${baseUrl}/.well-known/jwks.json`), ({ body }) => body.keys.map((key) => key["kid"])))

  const adminTokens = signIn(TestServer.admin.accessKey, TestServer.admin.password)

  it.live("from JWT_SECRET to Ed25519: the old key verifies while listed, then stops; refresh tokens survive", () =>
    Effect.gen(function*() {
      const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-rotation-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataDir, { recursive: true, force: true })))
      const secret = randomBytes(32).toString("base64url")
      const next = HostileTokens.generate("ed25519")

      // 1. Today's simplest setup: an HS256 secret; the JWKS has nothing to publish.
      const before = yield* withServer(dataDir, { secret: Option.some(Redacted.make(secret)) }, Effect.all([adminTokens, jwksKids]))
      expect(decodeProtectedHeader(before[0].value).alg).toBe("HS256")
      expect(before[1]).toEqual([])

      // 2. The Ed25519 key signs; the secret, moved into JWT_VERIFY_KEYS as an oct JWK, only verifies.
      const oldSecret = JSON.stringify({ keys: [{ kty: "oct", k: Buffer.from(secret).toString("base64url") }] })
      const during = { privateKey: inline("JWT_PRIVATE_KEY", next.pem), verifyKeys: inline("JWT_VERIFY_KEYS", oldSecret) }
      const [whileListed, kids, rotated] = yield* withServer(dataDir, during, Effect.all([whoAmI(before[0].value), jwksKids, refreshed(before[0].refreshToken)]))
      expect(whileListed).toBe(TestServer.admin.accessKey)
      expect(kids).toEqual([next.kid])
      expect(decodeProtectedHeader(rotated.value)).toMatchObject({ alg: "EdDSA", kid: next.kid })

      // 3. The secret removed: its tokens are refused; the new key's, and the rotated refresh token, work.
      const after = yield* withServer(dataDir, { privateKey: inline("JWT_PRIVATE_KEY", next.pem) }, Effect.all([
        whoAmI(before[0].value),
        whoAmI(rotated.value),
        Effect.flatMap(refreshed(rotated.refreshToken), (tokens) => whoAmI(tokens.value))
      ]))
      expect(after).toEqual(["UNAUTHENTICATED", TestServer.admin.accessKey, TestServer.admin.accessKey])
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
