import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Grant from "../../../src/access/Grant.js"
import * as Events from "../../../src/auth/domain/Events.js"

const at = new Date("2026-03-01T12:00:00.000Z")
const grants = [Grant.scoped("user", "GET", ["alice"]), Grant.unconditional("role", "LIST")]
const wireGrants = [
  { resource: "user", action: "GET", isConditional: true, scope: ["alice"] },
  { resource: "role", action: "LIST", isConditional: false, scope: [] }
]

/** Each event, and the JSON it is in the outbox and on the external bus: what workers and older releases read. */
const cases: ReadonlyArray<readonly [Events.AuthEvent, unknown]> = [
  [
    new Events.UserCreated({ userId: "u1", accessKey: "alice", email: "a@example.com", name: "Alice", at }),
    { _tag: "UserCreated", userId: "u1", accessKey: "alice", email: "a@example.com", name: "Alice", at: at.toISOString() }
  ],
  [new Events.UserPermissionsAttached({ userId: "u1", permissions: grants }), { _tag: "UserPermissionsAttached", userId: "u1", permissions: wireGrants }],
  [new Events.UserPermissionsDetached({ userId: "u1", permissions: grants }), { _tag: "UserPermissionsDetached", userId: "u1", permissions: wireGrants }],
  [
    new Events.UserRoleSet({ userId: "u1", roleId: "r1", permissionsOverridden: true }),
    { _tag: "UserRoleSet", userId: "u1", roleId: "r1", permissionsOverridden: true }
  ],
  [new Events.UserDeleted({ userId: "u1", accessKey: "alice" }), { _tag: "UserDeleted", userId: "u1", accessKey: "alice" }],
  [new Events.PasswordResetRequested({ userId: "u1", at }), { _tag: "PasswordResetRequested", userId: "u1", at: at.toISOString() }],
  [new Events.PasswordResetRequested({ userId: null, at }), { _tag: "PasswordResetRequested", userId: null, at: at.toISOString() }],
  [new Events.PasswordChanged({ userId: "u1", at }), { _tag: "PasswordChanged", userId: "u1", at: at.toISOString() }],
  [
    new Events.RoleCreated({ roleId: "r1", code: "ops", name: "Ops", permissions: grants }),
    { _tag: "RoleCreated", roleId: "r1", code: "ops", name: "Ops", permissions: wireGrants }
  ],
  [new Events.RolePermissionsAttached({ roleId: "r1", permissions: grants }), { _tag: "RolePermissionsAttached", roleId: "r1", permissions: wireGrants }],
  [new Events.RolePermissionsDetached({ roleId: "r1", permissions: grants }), { _tag: "RolePermissionsDetached", roleId: "r1", permissions: wireGrants }],
  [new Events.RoleDeleted({ roleId: "r1", code: "ops" }), { _tag: "RoleDeleted", roleId: "r1", code: "ops" }]
]

describe("auth events on the wire", () => {
  it.each(cases.map(([event, wire], i) => [`${i}: ${(wire as { _tag: string })._tag}`, event, wire] as const))(
    "%s encodes to its JSON and decodes back to the same event",
    (_, event, wire) => {
      const encoded = Schema.encodeSync(Events.AuthEvent)(event)
      expect(encoded).toEqual(wire)
      const decoded = Schema.decodeUnknownSync(Events.AuthEvent)(JSON.parse(JSON.stringify(encoded)))
      expect(decoded).toStrictEqual(event)
    }
  )

  it("refuses a grant whose action is not one of the catalogue's", () => {
    const wire = { _tag: "UserPermissionsAttached", userId: "u1", permissions: [{ ...wireGrants[1], action: "PATCH" }] }
    expect(() => Schema.decodeUnknownSync(Events.AuthEvent)(wire)).toThrow()
  })
})
