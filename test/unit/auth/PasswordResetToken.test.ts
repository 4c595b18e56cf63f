import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { UserId } from "../../../src/auth/domain/Ids.js"
import * as PasswordReset from "../../../src/auth/domain/PasswordReset.js"
import * as User from "../../../src/auth/domain/User.js"

const t0 = new Date("2026-03-01T12:00:00.000Z")
const alice = User.register({ id: UserId("u1"), accessKey: "alice", email: "alice@example.com", name: "Alice", passwordHash: "h", now: t0 }).state

describe("PasswordReset tokens", () => {
  it("issue: unused, expiring one lifetime after it is made", () => {
    expect(PasswordReset.issue({ tokenHash: "th", userId: alice.id, now: t0, ttlMillis: 60_000 })).toEqual({
      tokenHash: "th",
      userId: alice.id,
      issuedAt: t0,
      expiresAt: new Date(t0.getTime() + 60_000),
      usedAt: null
    })
  })

  // Only a token older than the last change is void: one issued in the same millisecond still counts.
  it("redeem accepts a token issued at the very instant of the last password change", () => {
    const token = PasswordReset.issue({ tokenHash: "th", userId: alice.id, now: alice.passwordChangedAt, ttlMillis: 60_000 })
    expect(Either.isRight(PasswordReset.redeem(token, alice, t0))).toBe(true)
  })
})
