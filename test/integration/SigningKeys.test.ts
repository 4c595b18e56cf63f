import { afterAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { calculateJwkThumbprint } from "jose"
import { generateKeyPairSync, randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as DevSigningKey from "../../src/auth/adapters/DevSigningKey.js"
import * as JwtKeys from "../../src/auth/adapters/JwtKeys.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import * as AppConfig from "../../src/Config.js"
import * as HostileTokens from "../support/HostileTokens.js"

const made: Array<string> = []
const temporaryDir = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-keys-"))
  made.push(dir)
  return dir
}
afterAll(() => made.forEach((dir) => Fs.rmSync(dir, { recursive: true, force: true })))

const none = { secret: Option.none(), privateKey: Option.none(), verifyKeys: Option.none() }
const inline = (variable: string, value: string): Option.Option<AppConfig.KeySource> => Option.some({ _tag: "Inline", variable, value: Redacted.make(value) })

const resolve = (options: Partial<SigningKeys.SigningKeysOptions>) =>
  SigningKeys.resolve({ ...none, environment: "development", dataDir: temporaryDir(), ...options })

/** The start-up message a bad configuration stops with. */
const refusal = (options: Partial<SigningKeys.SigningKeysOptions>) =>
  Effect.map(Effect.flip(resolve(options)), (error) => error.message)

const ed25519 = HostileTokens.generate("ed25519")
const rsa = HostileTokens.generate("rsa")

describe("signing keys from configuration", () => {
  it.effect("development without a key: an Ed25519 key generated once into DATA_DIR (owner-only) and kept", () =>
    Effect.gen(function*() {
      const dataDir = temporaryDir()
      const first = yield* resolve({ dataDir })
      const again = yield* resolve({ dataDir })
      expect(first.signer.algorithm).toBe("EdDSA")
      expect(again.signer.kid).toBe(first.signer.kid)
      const file = Path.join(dataDir, DevSigningKey.fileName)
      expect(Fs.statSync(file).mode & 0o777).toBe(0o600)
      expect(Fs.readdirSync(dataDir)).toEqual([DevSigningKey.fileName])
    }))

  it.effect("production without a key refuses to start, naming what to set", () =>
    Effect.gen(function*() {
      const dataDir = temporaryDir()
      expect(yield* refusal({ environment: "production", dataDir })).toMatch(/^JWT_PRIVATE_KEY: a signing key is required when NODE_ENV=production/)
      expect(Fs.readdirSync(dataDir)).toEqual([])
    }))

  it.effect("JWT_SECRET signs with HS256 under a kid that does not reveal the secret; a short one is refused", () =>
    Effect.gen(function*() {
      const secret = randomBytes(32).toString("base64url")
      const keys = yield* resolve({ secret: Option.some(Redacted.make(secret)) })
      expect(keys.signer.algorithm).toBe("HS256")
      expect(keys.signer.kid).toMatch(/^hs256-[\w-]{16}$/)
      expect(keys.signer.kid).not.toContain(secret.slice(0, 8))
      expect(JwtKeys.publicKeySet(keys.verifiers.values())).toEqual({ keys: [] })
      expect(yield* refusal({ secret: Option.some(Redacted.make("too-short")) })).toMatch(/^JWT_SECRET: an HS256 secret must be at least 32 bytes/)
      expect(yield* refusal({ secret: Option.some(Redacted.make(secret)), privateKey: inline("JWT_PRIVATE_KEY", ed25519.pem) }))
        .toBe("JWT_SECRET: set JWT_SECRET (HS256) or JWT_PRIVATE_KEY (EdDSA, RS256), not both")
    }))

  it.effect("JWT_PRIVATE_KEY as PEM or JWK, inline or from a file: the algorithm follows the key, the kid is its RFC 7638 thumbprint", () =>
    Effect.gen(function*() {
      const fromPem = yield* resolve({ privateKey: inline("JWT_PRIVATE_KEY", ed25519.pem) })
      expect(fromPem.signer.algorithm).toBe("EdDSA")
      expect(fromPem.signer.kid).toBe(yield* Effect.promise(() => calculateJwkThumbprint(ed25519.publicKey.export({ format: "jwk" }) as never)))
      const file = Path.join(temporaryDir(), "rsa.pem")
      Fs.writeFileSync(file, rsa.pem)
      const fromFile = yield* resolve({ privateKey: Option.some({ _tag: "File", variable: "JWT_PRIVATE_KEY_FILE", path: file }) })
      expect(fromFile.signer).toMatchObject({ algorithm: "RS256", kid: rsa.kid })
      const jwk = { ...rsa.privateKey.export({ format: "jwk" }), kid: "2026-11" }
      const fromJwk = yield* resolve({ privateKey: inline("JWT_PRIVATE_KEY", JSON.stringify(jwk)) })
      expect(fromJwk.signer).toMatchObject({ algorithm: "RS256", kid: "2026-11" })
      expect(JwtKeys.publicKeySet(fromJwk.verifiers.values()).keys).toEqual([
        { kty: "RSA", n: jwk.n, e: jwk.e, kid: "2026-11", alg: "RS256", use: "sig" }
      ])
    }))

  it.effect("a bad JWT_PRIVATE_KEY stops the start with a message naming the variable", () =>
    Effect.gen(function*() {
      const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString()
      const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString()
      expect(yield* refusal({ privateKey: inline("JWT_PRIVATE_KEY", weak) })).toBe("JWT_PRIVATE_KEY: an RSA key must have at least 2048 bits (this one has 1024)")
      expect(yield* refusal({ privateKey: inline("JWT_PRIVATE_KEY", p256) })).toMatch(/^JWT_PRIVATE_KEY: unsupported key type ec/)
      expect(yield* refusal({ privateKey: inline("JWT_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----") }))
        .toMatch(/^JWT_PRIVATE_KEY: /)
      expect(yield* refusal({ privateKey: inline("JWT_PRIVATE_KEY", `{"kty":"oct","k":"${randomBytes(32).toString("base64url")}"}`) }))
        .toBe("JWT_PRIVATE_KEY: holds an HMAC key: give an HS256 secret as JWT_SECRET")
      const jwk = { ...ed25519.privateKey.export({ format: "jwk" }), alg: "RS256" }
      expect(yield* refusal({ privateKey: inline("JWT_PRIVATE_KEY", JSON.stringify(jwk)) })).toBe("JWT_PRIVATE_KEY: key declares alg RS256, but a OKP key is used with EdDSA")
      expect(yield* refusal({ privateKey: Option.some({ _tag: "File", variable: "JWT_PRIVATE_KEY_FILE", path: "/nonexistent/key.pem" }) }))
        .toMatch(/^JWT_PRIVATE_KEY_FILE: ENOENT/)
    }))

  it.effect("JWT_VERIFY_KEYS: public keys and HMAC secrets by kid; the secret is never published", () =>
    Effect.gen(function*() {
      const secret = randomBytes(32)
      const jwks = JSON.stringify({
        keys: [
          { ...rsa.publicKey.export({ format: "jwk" }), kid: "previous" },
          { kty: "oct", k: secret.toString("base64url") }
        ]
      })
      const keys = yield* resolve({ privateKey: inline("JWT_PRIVATE_KEY", ed25519.pem), verifyKeys: inline("JWT_VERIFY_KEYS", jwks) })
      // An oct key without a kid gets the one JWT_SECRET would have: moving the secret keeps its tokens valid.
      expect([...keys.verifiers.keys()]).toEqual([ed25519.kid, "previous", JwtKeys.fromSecret(secret).kid])
      expect(keys.verifiers.get("previous")?.algorithm).toBe("RS256")
      const published = JwtKeys.publicKeySet(keys.verifiers.values()).keys
      expect(published.map((key) => [key.kid, key.alg, key.kty])).toEqual([[ed25519.kid, "EdDSA", "OKP"], ["previous", "RS256", "RSA"]])
      expect(JSON.stringify(published)).not.toContain(secret.toString("base64url"))
    }))

  it.effect("a bad JWT_VERIFY_KEYS stops the start, naming the variable and the key", () =>
    Effect.gen(function*() {
      const signer = { privateKey: inline("JWT_PRIVATE_KEY", ed25519.pem) }
      const verify = (value: unknown) => refusal({ ...signer, verifyKeys: inline("JWT_VERIFY_KEYS", JSON.stringify(value)) })
      const privateJwk = { ...rsa.privateKey.export({ format: "jwk" }), kid: "leaked" }
      expect(yield* verify({ keys: [privateJwk] })).toBe("JWT_VERIFY_KEYS: key 0 (kid leaked) holds a private key (d): list only public keys")
      expect(yield* verify([])).toBe(`JWT_VERIFY_KEYS: must be a JWKS: {"keys": [...]}`)
      expect(yield* verify({ keys: [{ kty: "oct", k: "c2hvcnQ" }] })).toBe("JWT_VERIFY_KEYS: key 0 an HS256 secret must be at least 32 bytes")
      expect(yield* verify({ keys: [{ ...ed25519.publicKey.export({ format: "jwk" }), use: "enc" }] }))
        .toBe(`JWT_VERIFY_KEYS: key 0 key declares use enc; only "sig" keys verify tokens`)
      expect(yield* verify({ keys: [ed25519.publicKey.export({ format: "jwk" })] }))
        .toBe(`JWT_VERIFY_KEYS: kid ${ed25519.kid} is used by two keys (one is the signing key)`)
      expect(yield* refusal({ ...signer, verifyKeys: inline("JWT_VERIFY_KEYS", "{not json") })).toBe("JWT_VERIFY_KEYS: is neither a PEM key nor valid JSON")
    }))

  it.effect("Config: a key given both inline and as a file, or an access token outliving its session, is refused", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromMap(new Map([["JWT_PRIVATE_KEY", "x"], ["JWT_PRIVATE_KEY_FILE", "/x"]]))
      const result = yield* Effect.either(Effect.withConfigProvider(AppConfig.token, provider))
      expect(Either.isLeft(result) && String(result.left)).toContain("set JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both")
      const defaults = yield* Effect.withConfigProvider(AppConfig.token, ConfigProvider.fromMap(new Map([["JWT_VERIFY_KEYS_FILE", "/keys.json"]])))
      expect(defaults.verifyKeys).toEqual(Option.some({ _tag: "File", variable: "JWT_VERIFY_KEYS_FILE", path: "/keys.json" }))
      expect(defaults.privateKey).toEqual(Option.none())
      const inverted = ConfigProvider.fromMap(new Map([["JWT_TTL", "2 days"], ["REFRESH_TOKEN_TTL", "1 day"]]))
      const refused = yield* Effect.either(Effect.withConfigProvider(AppConfig.token, inverted))
      expect(Either.isLeft(refused) && String(refused.left)).toContain("JWT_TTL must be positive and shorter than REFRESH_TOKEN_TTL")
    }))
})
