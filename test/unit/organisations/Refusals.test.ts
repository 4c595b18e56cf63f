import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { UserId } from "../../../src/auth/domain/Ids.js"
import { OrganisationId } from "../../../src/organisations/domain/Ids.js"
import * as Membership from "../../../src/organisations/domain/Membership.js"
import * as Organisation from "../../../src/organisations/domain/Organisation.js"

const now = new Date("2026-03-01T12:00:00.000Z")
const id = OrganisationId("o1")

describe("what organisations' refusals name", () => {
  it("a malformed slug: the field and the rule", () => {
    expect(Organisation.checkSlug("Acme")).toMatchObject(
      Either.left({ _tag: "InvalidInput", field: "slug", reason: "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit" })
    )
  })

  it("leaving an organisation one is not in: the organisation and the user", () => {
    const acme = Either.getOrThrow(Organisation.create({ id, slug: "acme", name: "Acme", now })).state
    const refused = Membership.leave(acme, { id: UserId("u1"), accessKey: "alice" }, Option.none())
    expect(refused).toMatchObject(Either.left({ _tag: "NotAMember", slug: "acme", accessKey: "alice" }))
  })
})
