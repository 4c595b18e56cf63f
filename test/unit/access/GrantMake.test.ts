import { describe, expect, it } from "@effect/vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Permission from "../../../src/access/Permission.js"

describe("Grant.make", () => {
  it("a conditional grant made without a scope names no instance", () => {
    expect(Grant.make(Permission.make("user", "GET", true))).toEqual({ resource: "user", action: "GET", isConditional: true, scope: [] })
  })

  it("an unconditional grant drops any scope it is given", () => {
    expect(Grant.make(Permission.make("user", "GET"), ["alice"])).toEqual({ resource: "user", action: "GET", isConditional: false, scope: [] })
  })
})
