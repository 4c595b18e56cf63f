import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import { RoleId, UserId } from "../../../src/auth/domain/Ids.js"
import * as PasswordReset from "../../../src/auth/domain/PasswordReset.js"
import type { Role } from "../../../src/auth/domain/Role.js"
import * as User from "../../../src/auth/domain/User.js"

const t0 = new Date("2026-01-01T00:00:00Z")
const later = (ms: number) => new Date(t0.getTime() + ms)
const alice = User.register({ id: UserId("u1"), accessKey: "alice", email: "alice@example.com", name: "Alice", passwordHash: "h", now: t0 }).state
const ops: Role = { id: RoleId("r1"), code: "ops", name: "Ops", permissions: [Grant.unconditional("role", "GET")], createdAt: t0, version: 1 }

describe("User registration", () => {
  it("accepts a valid registration and records UserCreated", () => {
    const decision = User.register({ id: UserId("u2"), accessKey: "bob", email: "bob@example.com", name: "Bob", passwordHash: "h", now: t0 })
    expect(decision.state.passwordChangedAt).toEqual(t0)
    expect(decision.events.map((e) => e._tag)).toEqual(["UserCreated"])
  })

  it.each(["test", "a@b", "a b@example.com", "@example.com"])("refuses the e-mail %j", (email) => {
    const result = User.checkRegistration({ accessKey: "x", email, name: "X", password: "long enough" })
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidEmail")
  })

  it("refuses passwords shorter than 8 and accepts 64 and more without truncation", () => {
    expect(Either.isLeft(User.checkPassword("short"))).toBe(true)
    expect(User.checkPassword("p".repeat(64))).toEqual(Either.right("p".repeat(64)))
    expect(User.checkPassword("p".repeat(1000))).toEqual(Either.right("p".repeat(1000)))
    expect(Either.isLeft(User.checkPassword("p".repeat(1025)))).toBe(true)
  })

  it("refuses access keys with spaces", () => {
    expect(Either.isLeft(User.checkAccessKey("a b"))).toBe(true)
    expect(Either.isLeft(User.checkAccessKey(""))).toBe(true)
  })

  // A grant scoped to a user names their access key, and "*" every user: a user called "*" would
  // turn a grant meant for them into one over everybody.
  it.each(["*", "a*", "*admin", "**"])("refuses the access key %j, which would read as the scope wildcard", (accessKey) => {
    const result = User.checkRegistration({ accessKey, email: "x@example.com", name: "X", password: "long enough" })
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidInput", field: "accessKey" })
    expect(Either.isLeft(result) && result.left.message).toBe(`accessKey must not contain "*": in a grant's scope it stands for every user`)
  })
})

describe("User role", () => {
  it("setRole keeps own grants unless told to override them", () => {
    const withOwn = User.attachPermissions(alice, [Grant.unconditional("user", "GET")]).state
    expect(User.setRole(withOwn, ops, false).state.permissions).toEqual([Grant.unconditional("user", "GET")])
    expect(User.setRole(withOwn, ops, true).state.permissions).toEqual(ops.permissions)
    expect(User.setRole(withOwn, ops, true).state.roleId).toBe(ops.id)
  })
})

describe("Password reset tokens", () => {
  const token = PasswordReset.issue({ tokenHash: "hash", userId: alice.id, now: later(1000), ttlMillis: 60_000 })

  it("redeem marks an unused, unexpired token used", () => {
    const result = PasswordReset.redeem(token, alice, later(2000))
    expect(Either.isRight(result) && result.right.usedAt).toEqual(later(2000))
  })

  it("refuses used, expired, foreign and stale tokens", () => {
    const used = { ...token, usedAt: later(1500) }
    const bob = { ...alice, id: UserId("u2") }
    const changedSince = User.changePassword(alice, "h2", later(1500)).state
    for (const [t, u, at] of [[used, alice, later(2000)], [token, alice, later(61_000)], [token, bob, later(2000)], [token, changedSince, later(2000)]] as const) {
      expect(Either.isLeft(PasswordReset.redeem(t, u, at))).toBe(true)
    }
  })
})
