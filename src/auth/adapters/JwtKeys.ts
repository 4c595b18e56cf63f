/**
 * Token keys from their configured forms: an HS256 secret, an Ed25519 or RSA private key (PEM or
 * JWK), and the public (or HMAC) keys of a JWKS that only verify. Each key knows its `kid` and the
 * one algorithm it is used with, so verification can select a key by `kid` and pin its algorithm:
 * a token naming another algorithm for that key is refused (no RS256/HS256 confusion, no `none`).
 * Parsing throws a plain message; SigningKeys.ts names the variable it came from.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto"

export type Algorithm = "HS256" | "EdDSA" | "RS256"

/** A key that checks signatures of tokens naming its `kid`. */
export interface VerificationKey {
  readonly kid: string
  readonly algorithm: Algorithm
  /** The public key, or the HMAC secret. */
  readonly key: KeyObject | Uint8Array
  /** What /.well-known/jwks.json publishes; undefined for an HMAC secret, which never leaves the server. */
  readonly publicJwk: JsonWebKey | undefined
}

/** The key new tokens are signed with, and its verifying half. */
export interface SigningKey {
  readonly kid: string
  readonly algorithm: Algorithm
  readonly key: KeyObject | Uint8Array
  readonly verification: VerificationKey
}

/** RFC 7518 §3.2: an HS256 key at least as long as the hash. */
export const minimumSecretBytes = 32

/** NIST SP 800-57: RSA below 2048 bits is no longer acceptable for signatures. */
export const minimumRsaBits = 2048

/** RFC 7638 thumbprint members, in their required (lexicographic) order. */
const thumbprintMembers = { OKP: ["crv", "kty", "x"], RSA: ["e", "kty", "n"] } as const

/** RFC 7638 JWK thumbprint (SHA-256): a `kid` that is the same wherever the key is configured. */
export const thumbprint = (jwk: JsonWebKey): string => {
  const members = thumbprintMembers[jwk.kty as keyof typeof thumbprintMembers]
  if (members === undefined) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`)
  const canonical = JSON.stringify(Object.fromEntries(members.map((member) => [member, jwk[member]])))
  return createHash("sha256").update(canonical).digest("base64url")
}

/**
 * The `kid` of an HMAC secret. Not a plain hash of the secret, which every token header would then
 * publish for offline guessing; an HMAC under the secret tells no more than a token's signature does.
 */
const secretKid = (secret: Uint8Array) => `hs256-${createHmac("sha256", secret).update("kingdom-server key id").digest("base64url").slice(0, 16)}`

export const fromSecret = (secret: Uint8Array, kid?: string): SigningKey => {
  if (secret.byteLength < minimumSecretBytes) throw new Error(`an HS256 secret must be at least ${minimumSecretBytes} bytes`)
  const verification: VerificationKey = { kid: kid ?? secretKid(secret), algorithm: "HS256", key: secret, publicJwk: undefined }
  return { kid: verification.kid, algorithm: "HS256", key: secret, verification }
}

/** The algorithm a key type is used with: one per type, so the key alone decides it. */
const algorithmOf = (key: KeyObject): Algorithm => {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "EdDSA"
    case "rsa": {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
      if (bits < minimumRsaBits) throw new Error(`an RSA key must have at least ${minimumRsaBits} bits (this one has ${bits})`)
      return "RS256"
    }
    default:
      throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}: use Ed25519 (EdDSA) or RSA (RS256)`)
  }
}

/** A JWK's own `alg` and `use`, when given, must agree with how the key will be used. */
const checkDeclared = (jwk: JsonWebKey, algorithm: Algorithm) => {
  if (jwk["alg"] !== undefined && jwk["alg"] !== algorithm) throw new Error(`key declares alg ${String(jwk["alg"])}, but a ${jwk.kty} key is used with ${algorithm}`)
  if (jwk["use"] !== undefined && jwk["use"] !== "sig") throw new Error(`key declares use ${String(jwk["use"])}; only "sig" keys verify tokens`)
}

const asymmetric = (publicKey: KeyObject, declaredKid: unknown): VerificationKey => {
  const algorithm = algorithmOf(publicKey)
  const jwk = publicKey.export({ format: "jwk" })
  const kid = typeof declaredKid === "string" && declaredKid !== "" ? declaredKid : thumbprint(jwk)
  return { kid, algorithm, key: publicKey, publicJwk: { ...jwk, kid, alg: algorithm, use: "sig" } }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    throw new Error("is neither a PEM key nor valid JSON")
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** An Ed25519 or RSA private key as PEM (PKCS#8, or PKCS#1 for RSA) or as a private JWK. */
export const fromPrivateKey = (text: string): SigningKey => {
  const trimmed = text.trim()
  const jwk = trimmed.startsWith("{") ? parseJson(trimmed) : undefined
  if (jwk !== undefined && !isObject(jwk)) throw new Error("must be a JWK object")
  if (jwk !== undefined && jwk["kty"] === "oct") throw new Error("holds an HMAC key: give an HS256 secret as JWT_SECRET")
  const privateKey = jwk === undefined
    ? createPrivateKey({ key: trimmed, format: "pem" })
    : createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" })
  const verification = asymmetric(createPublicKey(privateKey), jwk?.["kid"])
  if (jwk !== undefined) checkDeclared(jwk as JsonWebKey, verification.algorithm)
  return { kid: verification.kid, algorithm: verification.algorithm, key: privateKey, verification }
}

/** One key of a verify-only JWKS: public Ed25519 or RSA keys, or an HS256 secret (`kty: "oct"`). */
const fromVerifyJwk = (jwk: Record<string, unknown>): VerificationKey => {
  if (jwk["kty"] === "oct") {
    if (typeof jwk["k"] !== "string") throw new Error("an oct key needs k (the secret, base64url)")
    if (jwk["alg"] !== undefined && jwk["alg"] !== "HS256") throw new Error(`an oct key is used with HS256, not ${String(jwk["alg"])}`)
    return fromSecret(Buffer.from(jwk["k"], "base64url"), typeof jwk["kid"] === "string" ? jwk["kid"] : undefined).verification
  }
  // Private members have no business in a list of keys that only verify; refusing them keeps a leak out of config.
  if (jwk["d"] !== undefined) throw new Error("holds a private key (d): list only public keys")
  const verification = asymmetric(createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }), jwk["kid"])
  checkDeclared(jwk as JsonWebKey, verification.algorithm)
  return verification
}

/** A JWKS (`{"keys": [...]}`) of keys that verify but never sign. */
export const fromVerifyKeySet = (text: string): ReadonlyArray<VerificationKey> => {
  const set = parseJson(text.trim())
  if (!isObject(set) || !Array.isArray(set["keys"])) throw new Error(`must be a JWKS: {"keys": [...]}`)
  return set["keys"].map((jwk, index) => {
    try {
      if (!isObject(jwk)) throw new Error("is not a JWK object")
      return fromVerifyJwk(jwk)
    } catch (error) {
      throw new Error(`key ${index}${isObject(jwk) && typeof jwk["kid"] === "string" ? ` (kid ${jwk["kid"]})` : ""} ${(error as Error).message}`)
    }
  })
}

/** The public half of every asymmetric key, as /.well-known/jwks.json serves it. */
export const publicKeySet = (keys: Iterable<VerificationKey>): { readonly keys: ReadonlyArray<JsonWebKey> } => ({
  keys: [...keys].flatMap((key) => (key.publicJwk === undefined ? [] : [key.publicJwk]))
})
