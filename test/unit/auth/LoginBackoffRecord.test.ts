import { describe, expect, it } from "@effect/vitest"
import * as LoginBackoff from "../../../src/auth/domain/LoginBackoff.js"

const policy: LoginBackoff.Policy = { freeFailures: 0, baseMillis: 1000, maxMillis: 60_000, forgetAfterMillis: 3_600_000 }
// Epoch milliseconds as the server passes them: a record's age is now minus its last failure.
const lastAt = Date.UTC(2026, 2, 1)

describe("LoginBackoff failure records", () => {
  it("a record is kept until forgetAfterMillis have passed since its last failure, at real epoch times", () => {
    // Two seconds after the first failure past the free ones (2^1 · base), one millisecond of it gone.
    expect(LoginBackoff.waitFor(policy, { count: 1, lastAt }, lastAt + 1)).toBe(1999)
    // Still counted a millisecond before it is forgotten: the next failure is the eleventh.
    expect(LoginBackoff.admit([{ policy, record: { count: 10, lastAt } }], lastAt + policy.forgetAfterMillis - 1))
      .toEqual({ _tag: "Admitted", records: [{ count: 11, lastAt: lastAt + policy.forgetAfterMillis - 1 }] })
  })

  it("withdraw takes back one admitted attempt, and the last one takes the record away", () => {
    expect(LoginBackoff.withdraw({ count: 3, lastAt })).toEqual({ count: 2, lastAt })
    expect(LoginBackoff.withdraw({ count: 2, lastAt })).toEqual({ count: 1, lastAt })
    expect(LoginBackoff.withdraw({ count: 1, lastAt })).toBeUndefined()
  })
})
