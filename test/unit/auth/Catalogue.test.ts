import { describe, expect, it } from "@effect/vitest"
import * as Permission from "../../../src/access/Permission.js"
import * as Catalogue from "../../../src/auth/domain/Catalogue.js"

const listed = (entries: ReadonlyArray<Permission.Permission>) =>
  entries.map((p) => `${p.resource}:${p.action}${p.isConditional ? " (conditional)" : ""}`)

describe("Catalogue.entries", () => {
  it("every action on the resource, and conditional grants of the actions on existing instances", () => {
    expect(listed(Catalogue.entries("car", { instances: true }))).toEqual([
      "car:CREATE",
      "car:DELETE (conditional)",
      "car:DELETE",
      "car:GET (conditional)",
      "car:GET",
      "car:LIST (conditional)",
      "car:LIST",
      "car:UPDATE (conditional)",
      "car:UPDATE"
    ])
  })

  it("no conditional grants where there are no instances to select", () => {
    expect(listed(Catalogue.entries("car", { instances: false }))).toEqual(["car:CREATE", "car:DELETE", "car:GET", "car:LIST", "car:UPDATE"])
  })
})

describe("Catalogue.seeded", () => {
  it("auth seeds users and roles with instances, permissions without", () => {
    expect(Catalogue.seeded).toEqual(
      Permission.normalize([
        ...Catalogue.entries("permission", { instances: false }),
        ...Catalogue.entries("role", { instances: true }),
        ...Catalogue.entries("user", { instances: true })
      ])
    )
    expect([...new Set(Catalogue.seeded.map((p) => p.resource))]).toEqual(["permission", "role", "user"])
  })
})
