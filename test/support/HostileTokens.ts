/**
 * Access tokens as an attacker (or a misconfigured peer) would make them, for the key-set tests and
 * the e2e tests alike: each case takes a valid token's claims and breaks one rule.
 */
import { SignJWT } from "jose"
import { generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto"
import * as JwtKeys from "../../src/auth/adapters/JwtKeys.js"

/** A key the test holds: the server's signer or one of its verify-only keys. */
export interface HeldKey {
  readonly kid: string
  readonly algorithm: "EdDSA" | "RS256" | "HS256"
  readonly privateKey: KeyObject | Uint8Array
  /** Asymmetric keys only: what the JWKS publishes, and what the confusion attack signs with. */
  readonly publicKey?: KeyObject
}

/** A fresh key pair with the `kid` the server derives (RFC 7638), and its PEM for JWT_PRIVATE_KEY. */
export const generate = (type: "ed25519" | "rsa"): HeldKey & { readonly pem: string; readonly privateKey: KeyObject; readonly publicKey: KeyObject } => {
  const { privateKey, publicKey } = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519")
  return {
    kid: JwtKeys.thumbprint(publicKey.export({ format: "jwk" })),
    algorithm: type === "rsa" ? "RS256" : "EdDSA",
    privateKey,
    publicKey,
    pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString()
  }
}

/** A JWKS of the public halves, as JWT_VERIFY_KEYS takes it. */
export const verifyKeySet = (...keys: ReadonlyArray<{ readonly publicKey: KeyObject }>) =>
  JSON.stringify({ keys: keys.map((key) => key.publicKey.export({ format: "jwk" })) })

export interface Expected {
  readonly issuer: string
  readonly audience: string
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

export const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString())

const now = () => Math.floor(Date.now() / 1000)

/** Signs `payload` (exactly these claims) under `header` with `key`. */
export const sign = (payload: Record<string, unknown>, header: Record<string, unknown>, key: KeyObject | Uint8Array) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256", ...header }).sign(key)

/** The claims a token of ours carries, fresh: valid for a minute. */
export const claims = (from: Record<string, unknown>, expected: Expected) => ({
  sub: from["sub"],
  sid: from["sid"],
  iss: expected.issuer,
  aud: expected.audience,
  iat: now(),
  exp: now() + 60,
  jti: randomUUID()
})

/** A token exactly as the server would sign it with `key` (valid, if the server holds that key). */
export const genuine = (key: HeldKey, from: Record<string, unknown>, expected: Expected) =>
  sign(claims(from, expected), { alg: key.algorithm, typ: "at+jwt", kid: key.kid }, key.privateKey)

export interface HostileCase {
  readonly name: string
  readonly token: string
}

/**
 * Every way a token must be refused, given a valid token and a key the server signs or verifies with:
 * unsigned, algorithm confusion (HS256 keyed with the public key, as PEM and as JWK), wrong issuer,
 * audience or type, missing or past expiry, a future nbf, a tampered payload, an unknown, missing or
 * borrowed kid, and no session.
 */
export const hostileCases = async (valid: string, key: HeldKey, expected: Expected): Promise<ReadonlyArray<HostileCase>> => {
  const from = payloadOf(valid)
  const fresh = claims(from, expected)
  const header = { alg: key.algorithm, typ: "at+jwt", kid: key.kid }
  const signed = (payload: Record<string, unknown>, changes: Record<string, unknown> = {}) =>
    sign(payload, { ...header, ...changes }, key.privateKey)
  const { exp: _exp, ...noExpiry } = fresh
  const { sid: _sid, ...noSession } = fresh
  const [validHeader, , validSignature] = valid.split(".")
  const stranger = generateKeyPairSync("ed25519").privateKey
  const cases: Array<Promise<HostileCase> | HostileCase> = [
    { name: "alg none", token: `${base64url({ alg: "none", typ: "at+jwt", kid: key.kid })}.${base64url(fresh)}.` },
    {
      name: "tampered payload, signature kept",
      token: `${validHeader}.${base64url({ ...from, sub: "00000000-0000-4000-8000-000000000000" })}.${validSignature}`
    },
    { name: "wrong iss", token: await signed({ ...fresh, iss: "someone-else" }) },
    { name: "wrong aud", token: await signed({ ...fresh, aud: "another-api" }) },
    { name: "wrong typ", token: await signed(fresh, { typ: "JWT" }) },
    { name: "no typ", token: await signed(fresh, { typ: undefined }) },
    { name: "missing exp", token: await signed(noExpiry) },
    { name: "past exp", token: await signed({ ...fresh, iat: now() - 120, exp: now() - 60 }) },
    { name: "future nbf", token: await signed({ ...fresh, nbf: now() + 60 }) },
    { name: "missing sid", token: await signed(noSession) },
    { name: "unknown kid", token: await sign(fresh, { ...header, alg: "EdDSA", kid: "not-a-key-of-ours" }, stranger) },
    { name: "no kid", token: await signed(fresh, { kid: undefined }) },
    { name: "our kid, another key", token: await sign(fresh, { ...header, alg: "EdDSA" }, stranger) }
  ]
  if (key.publicKey !== undefined) {
    const pem = key.publicKey.export({ format: "pem", type: "spki" }).toString()
    const jwk = JSON.stringify(key.publicKey.export({ format: "jwk" }))
    cases.push(
      { name: "HS256 keyed with the public key (PEM)", token: await sign(fresh, { ...header, alg: "HS256" }, new TextEncoder().encode(pem)) },
      { name: "HS256 keyed with the public key (JWK)", token: await sign(fresh, { ...header, alg: "HS256" }, new TextEncoder().encode(jwk)) }
    )
  }
  return Promise.all(cases)
}
