import { describe, expect, it } from "@effect/vitest"
import { SessionId, UserId } from "../../../src/auth/domain/Ids.js"
import * as Session from "../../../src/auth/domain/Session.js"

const t0 = new Date("2026-03-01T12:00:00.000Z")
const at = (millis: number) => new Date(t0.getTime() + millis)
const ttlMillis = 60_000
const started = Session.start({ id: SessionId("s1"), userId: UserId("u1"), tokenHash: "h1", now: t0, ttlMillis })
const { session, token } = started

describe("Session.start", () => {
  it("opens a live session whose first token expires one lifetime later", () => {
    expect(started).toEqual({
      session: { id: "s1", userId: "u1", createdAt: t0, expiresAt: at(ttlMillis), revokedAt: null, revokedReason: null },
      token: { tokenHash: "h1", sessionId: "s1", issuedAt: t0, expiresAt: at(ttlMillis), usedAt: null }
    })
  })
})

describe("Session.isLive", () => {
  it("until the instant its newest token expires, not at it", () => {
    expect(Session.isLive(session, at(ttlMillis - 1))).toBe(true)
    expect(Session.isLive(session, at(ttlMillis))).toBe(false)
  })

  it("not once revoked, however early", () => {
    expect(Session.isLive(Session.revoke(session, t0, "logout"), t0)).toBe(false)
  })
})

describe("Session.redeem", () => {
  it("rotates an unused token: spent now, the next one a lifetime from now, the session pushed out with it", () => {
    const redemption = Session.redeem(session, token, { tokenHash: "h2", now: at(1000), ttlMillis })
    expect(redemption).toEqual({
      _tag: "Rotate",
      spent: { ...token, usedAt: at(1000) },
      next: { tokenHash: "h2", sessionId: "s1", issuedAt: at(1000), expiresAt: at(1000 + ttlMillis), usedAt: null },
      session: { ...session, expiresAt: at(1000 + ttlMillis) }
    })
  })

  it("rotates up to the last millisecond of a token's life and refuses it from its expiry on", () => {
    expect(Session.redeem(session, token, { tokenHash: "h2", now: at(ttlMillis - 1), ttlMillis })._tag).toBe("Rotate")
    expect(Session.redeem(session, token, { tokenHash: "h2", now: at(ttlMillis), ttlMillis })).toEqual({ _tag: "Refused" })
  })

  it("calls a spent token reuse, even once it has expired: it is evidence of theft whenever it returns", () => {
    const spent = { ...token, usedAt: at(1000) }
    expect(Session.redeem(session, spent, { tokenHash: "h3", now: at(2000), ttlMillis })).toEqual({ _tag: "Reused" })
    expect(Session.redeem(session, spent, { tokenHash: "h3", now: at(10 * ttlMillis), ttlMillis })).toEqual({ _tag: "Reused" })
  })

  it("refuses a token of another session and any token of a revoked one, spent or not", () => {
    const foreign = { ...token, sessionId: SessionId("s2") }
    expect(Session.redeem(session, foreign, { tokenHash: "h2", now: at(1000), ttlMillis })).toEqual({ _tag: "Refused" })
    const revoked = Session.revoke(session, t0, "logout")
    expect(Session.redeem(revoked, token, { tokenHash: "h2", now: at(1000), ttlMillis })).toEqual({ _tag: "Refused" })
    expect(Session.redeem(revoked, { ...token, usedAt: t0 }, { tokenHash: "h2", now: at(1000), ttlMillis })).toEqual({ _tag: "Refused" })
  })
})

describe("Session.revoke", () => {
  it("records the instant and the reason, and revoking again keeps the first", () => {
    const revoked = Session.revoke(session, at(5), "refresh-token-reused")
    expect(revoked).toEqual({ ...session, revokedAt: at(5), revokedReason: "refresh-token-reused" })
    expect(Session.revoke(revoked, at(9), "logout")).toBe(revoked)
  })
})
