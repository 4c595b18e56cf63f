import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Names from "../../../src/auth/domain/Names.js"

describe("Names.checkName", () => {
  it("trims, and takes 1 to 128 characters once trimmed", () => {
    expect(Names.checkName("  Ops  ")).toEqual(Either.right("Ops"))
    expect(Names.checkName("x")).toEqual(Either.right("x"))
    expect(Names.checkName(` ${"x".repeat(128)} `)).toEqual(Either.right("x".repeat(128)))
  })

  it("refuses an empty, blank or longer name, naming the field and the rule", () => {
    for (const name of ["", "   ", "x".repeat(129)]) {
      expect(Names.checkName(name), name).toMatchObject(Either.left({ _tag: "InvalidInput", field: "name", reason: "must be 1-128 characters" }))
    }
  })
})
