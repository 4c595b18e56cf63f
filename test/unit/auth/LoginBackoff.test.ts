import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as LoginBackoff from "../../../src/auth/domain/LoginBackoff.js"

const policy: LoginBackoff.Policy = { freeFailures: 5, baseMillis: 1000, maxMillis: 15 * 60_000, forgetAfterMillis: 60 * 60_000 }

const policies = fc.record({
  freeFailures: fc.integer({ min: 0, max: 50 }),
  baseMillis: fc.integer({ min: 1, max: 10_000 }),
  maxMillis: fc.integer({ min: 10_000, max: 3_600_000 }),
  forgetAfterMillis: fc.integer({ min: 3_600_001, max: 86_400_000 })
})

describe("LoginBackoff.delayAfter", () => {
  it("is 1 s, 2 s, 4 s … after the five free failures, up to 15 minutes", () => {
    expect([0, 4, 5, 6, 7, 15, 16, 100].map((count) => LoginBackoff.delayAfter(policy, count)))
      .toEqual([0, 0, 1000, 2000, 4000, 900_000, 900_000, 900_000])
  })

  it("is zero while failures are free, and base · 2^k for the k-th one past them until capped", () => {
    fc.assert(fc.property(policies, fc.integer({ min: 0, max: 200 }), (p, count) => {
      const delay = LoginBackoff.delayAfter(p, count)
      if (count < p.freeFailures) return delay === 0
      return delay === Math.min(p.maxMillis, p.baseMillis * 2 ** (count - p.freeFailures))
    }))
  })

  it("never shrinks as failures grow, and never exceeds the cap", () => {
    fc.assert(fc.property(policies, fc.integer({ min: 0, max: 2000 }), (p, count) => {
      const delay = LoginBackoff.delayAfter(p, count)
      return delay <= LoginBackoff.delayAfter(p, count + 1) && delay <= p.maxMillis && Number.isFinite(delay)
    }))
  })
})

describe("LoginBackoff.admit", () => {
  const at = 1_000_000

  it("admits attempts while failures are free, counting each", () => {
    let record: LoginBackoff.Failures | undefined
    for (let attempt = 1; attempt <= policy.freeFailures; attempt++) {
      const admission = LoginBackoff.admit([{ policy, record }], at)
      expect(admission._tag).toBe("Admitted")
      if (admission._tag === "Admitted") record = admission.records[0]
    }
    expect(record).toEqual({ count: 5, lastAt: at })
    expect(LoginBackoff.admit([{ policy, record }], at)).toEqual({ _tag: "Refused", retryAfterMillis: 1000, check: 0 })
  })

  it("admits again once the wait has passed, and the next wait is twice as long", () => {
    const record = { count: 5, lastAt: at }
    expect(LoginBackoff.admit([{ policy, record }], at + 999)._tag).toBe("Refused")
    const admission = LoginBackoff.admit([{ policy, record }], at + 1000)
    expect(admission).toEqual({ _tag: "Admitted", records: [{ count: 6, lastAt: at + 1000 }] })
    if (admission._tag === "Admitted") {
      expect(LoginBackoff.admit([{ policy, record: admission.records[0] }], at + 1000)).toMatchObject({ retryAfterMillis: 2000 })
    }
  })

  it("refuses with the longest wait among the records and changes none of them", () => {
    const loose = { ...policy, freeFailures: 20 }
    const checks = [{ policy, record: { count: 6, lastAt: at } }, { policy: loose, record: { count: 23, lastAt: at } }]
    expect(LoginBackoff.admit(checks, at + 500)).toEqual({ _tag: "Refused", retryAfterMillis: 7500, check: 1 })
  })

  it("forgets a record after a quiet period", () => {
    const record = { count: 12, lastAt: at }
    expect(LoginBackoff.waitFor(policy, record, at + policy.forgetAfterMillis)).toBe(0)
    expect(LoginBackoff.admit([{ policy, record }], at + policy.forgetAfterMillis))
      .toEqual({ _tag: "Admitted", records: [{ count: 1, lastAt: at + policy.forgetAfterMillis }] })
  })

  it("never admits an attempt sooner than the delay its record asks for", () => {
    fc.assert(fc.property(policies, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 4_000_000 }), (p, count, elapsed) => {
      const record = { count, lastAt: at }
      const admitted = LoginBackoff.admit([{ policy: p, record }], at + elapsed)._tag === "Admitted"
      return admitted === (elapsed >= LoginBackoff.delayAfter(p, count) || elapsed >= p.forgetAfterMillis)
    }))
  })
})
