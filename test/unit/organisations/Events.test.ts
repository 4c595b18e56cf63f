import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Events from "../../../src/organisations/domain/Events.js"

const at = new Date("2026-03-01T12:00:00.000Z")

/** Each event, and the JSON it is in the outbox and on the external bus: what workers and older releases read. */
const cases: ReadonlyArray<readonly [Events.OrganisationEvent, unknown]> = [
  [
    new Events.OrganisationCreated({ organisationId: "o1", slug: "acme", name: "Acme", at }),
    { _tag: "OrganisationCreated", organisationId: "o1", slug: "acme", name: "Acme", at: at.toISOString() }
  ],
  [new Events.OrganisationRenamed({ organisationId: "o1", name: "Acme Group" }), { _tag: "OrganisationRenamed", organisationId: "o1", name: "Acme Group" }],
  [
    new Events.MemberAdded({ organisationId: "o1", userId: "u1", accessKey: "alice", at }),
    { _tag: "MemberAdded", organisationId: "o1", userId: "u1", accessKey: "alice", at: at.toISOString() }
  ],
  [
    new Events.MemberRemoved({ organisationId: "o1", userId: "u1", accessKey: "alice", reason: "removed" }),
    { _tag: "MemberRemoved", organisationId: "o1", userId: "u1", accessKey: "alice", reason: "removed" }
  ],
  [
    new Events.MemberRemoved({ organisationId: "o1", userId: "u1", accessKey: "alice", reason: "user-deleted" }),
    { _tag: "MemberRemoved", organisationId: "o1", userId: "u1", accessKey: "alice", reason: "user-deleted" }
  ]
]

describe("organisations events on the wire", () => {
  it.each(cases.map(([event, wire], i) => [`${i}: ${(wire as { _tag: string })._tag}`, event, wire] as const))(
    "%s encodes to its JSON and decodes back to the same event",
    (_, event, wire) => {
      const encoded = Schema.encodeSync(Events.OrganisationEvent)(event)
      expect(encoded).toEqual(wire)
      expect(Schema.decodeUnknownSync(Events.OrganisationEvent)(JSON.parse(JSON.stringify(encoded)))).toStrictEqual(event)
    }
  )

  it("refuses a removal for a reason it does not know", () => {
    const wire = { _tag: "MemberRemoved", organisationId: "o1", userId: "u1", accessKey: "alice", reason: "left" }
    expect(() => Schema.decodeUnknownSync(Events.OrganisationEvent)(wire)).toThrow()
  })
})
