import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Catalogue from "../../../src/auth/domain/Catalogue.js"
import * as Permission from "../../../src/auth/domain/Permission.js"
import * as Policy from "../../../src/auth/domain/Policy.js"

const userGet = Permission.make("user", "GET")
const userList = Permission.make("user", "LIST")
const roleGet = Permission.make("role", "GET")

describe("Permission sets", () => {
  it("normalize removes duplicates and orders canonically", () => {
    expect(Permission.normalize([userList, roleGet, userGet, userList])).toEqual(
      Permission.normalize([userGet, roleGet, userList])
    )
    expect(Permission.normalize([userList, userList])).toHaveLength(1)
  })

  it("union and difference behave as set operations", () => {
    expect(Permission.union([userGet], [userGet, roleGet])).toEqual(Permission.normalize([userGet, roleGet]))
    expect(Permission.difference([userGet, roleGet], [roleGet, userList])).toEqual([userGet])
  })

  it("a conditional grant is a different grant", () => {
    expect(Permission.equals(userGet, Permission.make("user", "GET", true))).toBe(false)
  })
})

describe("Catalogue.resolve", () => {
  it("accepts catalogue grants", () => {
    expect(Catalogue.resolve(Catalogue.seeded, [userGet])).toEqual(Either.right([userGet]))
  })

  it("names every grant outside the catalogue instead of dropping it", () => {
    const result = Catalogue.resolve(Catalogue.seeded, [userGet, Permission.make("car", "GET"), Permission.make("permission", "GET", true)])
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.message).toContain("car:GET")
      expect(result.left.message).toContain("permission:GET (conditional)")
      expect(result.left.permissions).toHaveLength(2)
    }
  })

  it("seeds every action on user, role and permission, and conditional grants only for instances", () => {
    expect(Catalogue.seeded).toHaveLength(15 + 8)
    expect(Catalogue.seeded.filter((p) => p.isConditional).map((p) => p.resource)).not.toContain("permission")
  })
})

describe("Policy", () => {
  it("effective grants are the user's own plus the role's", () => {
    expect(Policy.effectivePermissions([userGet], [roleGet, userGet])).toEqual(Permission.normalize([userGet, roleGet]))
  })

  it("allows exactly the granted resource and action", () => {
    expect(Policy.allows([userGet], "user", "GET")).toBe(true)
    expect(Policy.allows([userGet], "user", "LIST")).toBe(false)
    expect(Policy.allows([userGet], "role", "GET")).toBe(false)
    expect(Policy.allows([], "user", "GET")).toBe(false)
  })
})
