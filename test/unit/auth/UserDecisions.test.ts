import { describe, expect, it } from "@effect/vitest"
import * as Grant from "../../../src/access/Grant.js"
import { RoleId, UserId } from "../../../src/auth/domain/Ids.js"
import * as User from "../../../src/auth/domain/User.js"

const t0 = new Date("2026-03-01T12:00:00.000Z")
const t1 = new Date("2026-03-02T12:00:00.000Z")
const id = UserId("u1")
const userGet = Grant.unconditional("user", "GET")
const scopedGet = (...scope: ReadonlyArray<string>) => Grant.scoped("user", "GET", scope)
const alice = User.register({ id, accessKey: "alice", email: "alice@example.com", name: "Alice", passwordHash: "h0", now: t0 }).state

describe("User decisions", () => {
  it("register: no role, no grants, version 0, the password changed at creation; UserCreated says who", () => {
    const decision = User.register({ id, accessKey: "alice", email: "alice@example.com", name: "Alice", passwordHash: "h0", now: t0 })
    expect(decision.state).toEqual({
      id,
      accessKey: "alice",
      email: "alice@example.com",
      name: "Alice",
      passwordHash: "h0",
      roleId: null,
      permissions: [],
      createdAt: t0,
      passwordChangedAt: t0,
      version: 0
    })
    expect(decision.events).toEqual([{ _tag: "UserCreated", userId: id, accessKey: "alice", email: "alice@example.com", name: "Alice", at: t0 }])
  })

  it("changePassword: the new hash, and the instant that voids older reset tokens", () => {
    const decision = User.changePassword(alice, "h1", t1)
    expect(decision.state).toEqual({ ...alice, passwordHash: "h1", passwordChangedAt: t1 })
    expect(decision.events).toEqual([{ _tag: "PasswordChanged", userId: id, at: t1 }])
  })

  it("attachPermissions merges; the event names what was asked, in canonical form", () => {
    const decision = User.attachPermissions({ ...alice, permissions: [scopedGet("bob")] }, [userGet, scopedGet("carol"), userGet])
    expect(decision.state.permissions).toEqual([scopedGet("bob", "carol"), userGet])
    expect(decision.events).toEqual([{ _tag: "UserPermissionsAttached", userId: id, permissions: [scopedGet("carol"), userGet] }])
  })

  it("detachPermissions takes whole grants and single instances away; the event names what was asked", () => {
    const held = { ...alice, permissions: [scopedGet("bob", "carol"), userGet] }
    const decision = User.detachPermissions(held, [userGet, scopedGet("carol"), userGet])
    expect(decision.state).toEqual({ ...alice, permissions: [scopedGet("bob")] })
    expect(decision.events).toEqual([{ _tag: "UserPermissionsDetached", userId: id, permissions: [scopedGet("carol"), userGet] }])
  })

  it("setRole records the role and whether the user's own grants were replaced by it", () => {
    const ops = { id: RoleId("r1"), code: "ops", name: "Ops", permissions: [userGet], createdAt: t0, version: 3 }
    expect(User.setRole(alice, ops, true).events).toEqual([{ _tag: "UserRoleSet", userId: id, roleId: "r1", permissionsOverridden: true }])
    expect(User.setRole(alice, ops, false).events).toEqual([{ _tag: "UserRoleSet", userId: id, roleId: "r1", permissionsOverridden: false }])
  })

  it("remove leaves the state for the repository to delete, and UserDeleted names the account", () => {
    expect(User.remove(alice)).toEqual({ state: alice, events: [{ _tag: "UserDeleted", userId: id, accessKey: "alice" }] })
  })
})
