import { createHash, randomBytes } from "node:crypto"

/** A URL-safe random secret of `bytes` bytes of entropy. */
export const randomSecret = (bytes: number): string => randomBytes(bytes).toString("base64url")

/** Secrets handed to users are stored only as this digest. */
export const sha256Hex = (value: string): string => createHash("sha256").update(value).digest("hex")
