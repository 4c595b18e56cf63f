import { describe, expect, it } from "@effect/vitest"
import * as Catalogue from "../../../src/auth/domain/Catalogue.js"
import * as Permissions from "../../../src/organisations/domain/Permissions.js"

describe("organisations' catalogue entries", () => {
  it("every action on organisations, and conditional grants of those on existing ones, selected by slug", () => {
    expect(Permissions.resource).toBe("organisation")
    expect(Permissions.catalogue).toEqual(Catalogue.entries("organisation", { instances: true }))
    expect(Permissions.catalogue.filter((p) => p.isConditional).map((p) => p.action)).toEqual(["DELETE", "GET", "LIST", "UPDATE"])
  })
})
