import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Permission from "../../../src/access/Permission.js"
import * as Catalogue from "../../../src/auth/domain/Catalogue.js"

const userGet = Permission.make("user", "GET")
const userList = Permission.make("user", "LIST")
const roleGet = Permission.make("role", "GET")

describe("Permission", () => {
  it("normalize removes duplicates and orders by resource, action, conditional first", () => {
    expect(Permission.normalize([userList, roleGet, userGet, userList, Permission.make("user", "GET", true)])).toEqual([
      roleGet,
      Permission.make("user", "GET", true),
      userGet,
      userList
    ])
  })

  it("orders a resource before any longer name it prefixes, as SQL's byte order does", () => {
    expect(Permission.normalize([Permission.make("role-a", "GET"), roleGet])).toEqual([roleGet, Permission.make("role-a", "GET")])
  })

  it("a conditional permission is a different permission", () => {
    expect(Permission.includes([userGet], Permission.make("user", "GET", true))).toBe(false)
  })
})

describe("Catalogue.resolve", () => {
  it("accepts catalogue grants, scopes included", () => {
    const scoped = Grant.scoped("user", "GET", ["alice"])
    expect(Catalogue.resolve(Catalogue.seeded, [Grant.make(userGet), scoped])).toEqual(Either.right([scoped, Grant.make(userGet)]))
  })

  it("names every grant outside the catalogue instead of dropping it", () => {
    const result = Catalogue.resolve(Catalogue.seeded, [
      Grant.make(userGet),
      Grant.unconditional("car", "GET"),
      Grant.scoped("permission", "GET", ["*"])
    ])
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
