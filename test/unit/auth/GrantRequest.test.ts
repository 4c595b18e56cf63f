import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Permission from "../../../src/access/Permission.js"
import * as GrantRequest from "../../../src/auth/domain/GrantRequest.js"

const userGet = Permission.make("user", "GET")
const userGetConditional = Permission.make("user", "GET", true)

const refusal = (input: GrantRequest.GrantRequest) => {
  const result = GrantRequest.check(input)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(input)} to be refused`)
  return result.left
}

describe("GrantRequest.check", () => {
  it("accepts an unconditional grant without a scope", () => {
    expect(GrantRequest.check({ ...userGet, scope: [] })).toEqual(Either.right(Grant.unconditional("user", "GET")))
  })

  it("accepts a conditional grant on named instances, canonicalising the scope", () => {
    expect(GrantRequest.check({ ...userGetConditional, scope: ["bob", "alice", "bob"] })).toEqual(
      Either.right({ resource: "user", action: "GET", isConditional: true, scope: ["alice", "bob"] })
    )
  })

  it("accepts \"*\" and lets it absorb named instances", () => {
    expect(GrantRequest.check({ ...userGetConditional, scope: ["*"] })).toEqual(Either.right(Grant.scoped("user", "GET", ["*"])))
    expect(GrantRequest.check({ ...userGetConditional, scope: ["alice", "*"] })).toEqual(
      Either.right({ resource: "user", action: "GET", isConditional: true, scope: ["*"] })
    )
  })

  it("accepts selectors of 1 and 128 characters", () => {
    expect(Either.isRight(GrantRequest.check({ ...userGetConditional, scope: ["a", "x".repeat(128)] }))).toBe(true)
  })

  it("keeps only the permission's fields from the client's input", () => {
    const input = { ...userGetConditional, scope: ["alice"], extra: "ignored" }
    expect(GrantRequest.check(input)).toEqual(Either.right({ resource: "user", action: "GET", isConditional: true, scope: ["alice"] }))
  })

  it("refuses a scope on an unconditional grant, naming the permission", () => {
    const error = refusal({ ...userGet, scope: ["alice"] })
    expect(error._tag).toBe("InvalidInput")
    expect(error.field).toBe("scope")
    expect(error.reason).toContain("user:GET")
    expect(error.reason).toContain("conditional")
  })

  it("refuses a conditional grant without a scope, pointing at \"*\"", () => {
    const error = refusal({ ...userGetConditional, scope: [] })
    expect(error.field).toBe("scope")
    expect(error.reason).toContain("user:GET")
    expect(error.reason).toContain('"*"')
  })

  it.each([
    ["empty", ""],
    ["a space", "al ice"],
    ["a tab", "al\tice"],
    ["a trailing newline", "alice\n"],
    ["129 characters", "x".repeat(129)]
  ])("refuses a selector with %s, quoting it", (_, selector) => {
    const error = refusal({ ...userGetConditional, scope: ["alice", selector] })
    expect(error.field).toBe("scope")
    expect(error.reason).toContain(JSON.stringify(selector))
    expect(error.reason).toContain("1-128")
  })

  it("refuses a bad selector even next to \"*\", which would otherwise absorb it", () => {
    expect(refusal({ ...userGetConditional, scope: ["*", " "] }).field).toBe("scope")
  })
})
