import { describe, expect, it } from "@effect/vitest"
import * as Errors from "../../../src/organisations/domain/Errors.js"

/** As auth's (test/unit/auth/Errors.test.ts): the tag picks the GraphQL code, the message is the client's. */
describe("organisations errors: tag and message", () => {
  it.each([
    ["OrganisationNotFound", new Errors.OrganisationNotFound({ slug: "acme" }), "Organisation acme not found"],
    ["OrganisationAlreadyExists", new Errors.OrganisationAlreadyExists({ slug: "acme" }), "Organisation acme already exists"],
    [
      "AlreadyMember",
      new Errors.AlreadyMember({ slug: "acme", accessKey: "alice" }),
      "User alice is already a member of organisation acme"
    ],
    ["NotAMember", new Errors.NotAMember({ slug: "acme", accessKey: "alice" }), "User alice is not a member of organisation acme"]
  ] as const)("%s", (tag, error, message) => {
    expect(error._tag).toBe(tag)
    expect(error.message).toBe(message)
  })
})
