import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Grant from "../../../src/access/Grant.js"
import { RoleId } from "../../../src/auth/domain/Ids.js"
import * as Role from "../../../src/auth/domain/Role.js"

const now = new Date("2026-03-01T12:00:00.000Z")
const id = RoleId("r1")
const userGet = Grant.unconditional("user", "GET")
const roleGet = Grant.unconditional("role", "GET")
const scopedGet = (...scope: ReadonlyArray<string>) => Grant.scoped("user", "GET", scope)
const ops = Either.getOrThrow(Role.create({ id, code: "ops", name: "Ops", permissions: [userGet, scopedGet("alice")], now })).state

describe("Role.checkCode", () => {
  it("takes 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit", () => {
    for (const code of ["a", "7", "Ops", "a_b.c-d", "A".repeat(64)]) expect(Role.checkCode(code)).toEqual(Either.right(code))
  })

  it("refuses anything else, naming the field and the rule", () => {
    for (const code of ["", "_ops", ".ops", "-ops", "o ps", "ops ", "op*", "A".repeat(65)]) {
      expect(Role.checkCode(code), code).toMatchObject(
        Either.left({ _tag: "InvalidInput", field: "code", reason: "must be 1-64 letters, digits, '_', '.' or '-'" })
      )
    }
  })
})

describe("Role.create", () => {
  it("holds its grants in canonical form, trims its name, starts at version 0, and records RoleCreated", () => {
    const decision = Either.getOrThrow(Role.create({ id, code: "ops", name: " Ops ", permissions: [scopedGet("bob"), userGet, scopedGet("alice")], now }))
    const permissions = [scopedGet("alice", "bob"), userGet]
    expect(decision.state).toEqual({ id, code: "ops", name: "Ops", permissions, createdAt: now, version: 0 })
    expect(decision.events).toEqual([{ _tag: "RoleCreated", roleId: id, code: "ops", name: "Ops", permissions }])
  })

  it("refuses a malformed code or name", () => {
    expect(Role.create({ id, code: "-ops", name: "Ops", permissions: [], now })).toMatchObject(Either.left({ field: "code" }))
    expect(Role.create({ id, code: "ops", name: " ", permissions: [], now })).toMatchObject(Either.left({ field: "name" }))
  })
})

describe("Role grants", () => {
  it("attaching merges into what the role holds; the event names what was asked, in canonical form", () => {
    const decision = Role.attachPermissions(ops, [roleGet, scopedGet("bob"), roleGet])
    expect(decision.state).toEqual({ ...ops, permissions: [roleGet, scopedGet("alice", "bob"), userGet] })
    expect(decision.events).toEqual([{ _tag: "RolePermissionsAttached", roleId: id, permissions: [roleGet, scopedGet("bob")] }])
  })

  it("detaching takes away whole grants and single instances; the event names what was asked", () => {
    const withBob = Role.attachPermissions(ops, [scopedGet("bob")]).state
    const decision = Role.detachPermissions(withBob, [userGet, scopedGet("alice"), userGet])
    expect(decision.state).toEqual({ ...ops, permissions: [scopedGet("bob")] })
    expect(decision.events).toEqual([{ _tag: "RolePermissionsDetached", roleId: id, permissions: [scopedGet("alice"), userGet] }])
  })
})

describe("Role.remove", () => {
  it("goes once nobody holds it, recording its id and code", () => {
    expect(Role.remove(ops, 0)).toEqual(Either.right({ state: ops, events: [{ _tag: "RoleDeleted", roleId: id, code: "ops" }] }))
  })

  it("stays while even one user holds it", () => {
    expect(Role.remove(ops, 1)).toMatchObject(Either.left({ _tag: "RoleInUse", code: "ops" }))
  })
})
