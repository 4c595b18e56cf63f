import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import { PasswordHasher } from "../../src/auth/ports/PasswordHasher.js"

describe("Argon2Hasher", () => {
  it.live("hashes with argon2id at the OWASP minimum in PHC format and verifies", () =>
    Effect.gen(function*() {
      const hasher = yield* PasswordHasher
      const password = Redacted.make("correct horse battery staple")
      const hash = yield* hasher.hash(password)
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect(hash).not.toContain("correct horse")
      expect(yield* hasher.verify(password, hash)).toBe(true)
      expect(yield* hasher.verify(Redacted.make("correct horse battery stapler"), hash)).toBe(false)
      // Salted: the same password never hashes the same twice.
      expect(yield* hasher.hash(password)).not.toBe(hash)
    }).pipe(Effect.provide(Argon2Hasher.layer(2))))

  it.live("does not truncate long passwords", () =>
    Effect.gen(function*() {
      const hasher = yield* PasswordHasher
      const long = "x".repeat(200)
      const hash = yield* hasher.hash(Redacted.make(long))
      expect(yield* hasher.verify(Redacted.make(long.slice(0, 199) + "y"), hash)).toBe(false)
      expect(yield* hasher.verify(Redacted.make(long), hash)).toBe(true)
    }).pipe(Effect.provide(Argon2Hasher.layer(2))))

  it.live("answers false without a hash and for a malformed one, never an error", () =>
    Effect.gen(function*() {
      const hasher = yield* PasswordHasher
      expect(yield* hasher.verify(Redacted.make("anything at all"), undefined)).toBe(false)
      expect(yield* hasher.verify(Redacted.make("anything at all"), "not-a-phc-string")).toBe(false)
    }).pipe(Effect.provide(Argon2Hasher.layer(2))))
})
