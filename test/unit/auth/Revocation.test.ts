import { describe, expect, it } from "@effect/vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Administrators from "../../../src/auth/domain/Administrators.js"
import * as Catalogue from "../../../src/auth/domain/Catalogue.js"
import { UserId } from "../../../src/auth/domain/Ids.js"
import * as Revocation from "../../../src/auth/domain/Revocation.js"

const userGet = Grant.unconditional("user", "GET")
const userUpdate = Grant.unconditional("user", "UPDATE")
const scopedGet = (...scope: ReadonlyArray<string>) => Grant.scoped("user", "GET", scope)

describe("Revocation.taken: what a change of grants takes away", () => {
  it("nothing when every grant is still reached, however it is held now", () => {
    expect(Revocation.taken([userGet, userUpdate], [userUpdate, userGet])).toEqual([])
    // A scope of every instance and an unconditional grant reach the same.
    expect(Revocation.taken([scopedGet("*")], [userGet])).toEqual([])
    expect(Revocation.taken([scopedGet("alice")], [scopedGet("alice", "bob")])).toEqual([])
  })

  it("a grant no longer reached, whole", () => {
    expect(Revocation.taken([userGet, userUpdate], [userGet])).toEqual([userUpdate])
    expect(Revocation.taken([userGet], [])).toEqual([userGet])
  })

  it("only the instances a scoped grant loses", () => {
    expect(Revocation.taken([scopedGet("alice", "bob", "carol")], [scopedGet("bob")])).toEqual([scopedGet("alice", "carol")])
  })

  it("every instance, when a grant of all is cut down to some (there is no 'all but')", () => {
    expect(Revocation.taken([userGet], [scopedGet("alice")])).toEqual([userGet])
    expect(Revocation.taken([scopedGet("*")], [scopedGet("alice")])).toEqual([scopedGet("*")])
  })

  it("given is taken the other way round", () => {
    expect(Revocation.given([scopedGet("bob")], [scopedGet("alice", "bob"), userUpdate])).toEqual([scopedGet("alice"), userUpdate])
  })
})

describe("Administrators.isAdministrator: every permission of the catalogue on every instance", () => {
  const catalogue = Catalogue.seeded
  const everything = catalogue.filter((permission) => !permission.isConditional).map((permission) => Grant.make(permission))

  it("holds for the whole catalogue unconditionally, scopes of every instance included", () => {
    expect(Administrators.isAdministrator(catalogue, everything)).toBe(true)
    const viaScope = everything.map((grant) => grant.resource === "user" && grant.action === "GET" ? scopedGet("*") : grant)
    expect(Administrators.isAdministrator(catalogue, viaScope)).toBe(true)
  })

  it("fails for one permission missing or held only for some instances", () => {
    expect(Administrators.isAdministrator(catalogue, everything.filter((grant) => grant.action !== "DELETE" || grant.resource !== "role"))).toBe(false)
    const someUsers = everything.map((grant) => grant.resource === "user" && grant.action === "GET" ? scopedGet("alice") : grant)
    expect(Administrators.isAdministrator(catalogue, someUsers)).toBe(false)
    expect(Administrators.isAdministrator(catalogue, [])).toBe(false)
  })

  it("remainAfter: some administrator untouched, or one still holding everything after the change", () => {
    const alice: Administrators.Administrator = { id: UserId("alice"), roleId: null, permissions: everything }
    const bob: Administrators.Administrator = { ...alice, id: UserId("bob") }
    expect(Administrators.remainAfter(catalogue, [alice, bob], (admin) => (admin.id === "alice" ? [] : undefined))).toBe(true)
    expect(Administrators.remainAfter(catalogue, [alice], (admin) => (admin.id === "alice" ? [] : undefined))).toBe(false)
    expect(Administrators.remainAfter(catalogue, [alice], () => everything)).toBe(true)
    expect(Administrators.remainAfter(catalogue, [], () => undefined)).toBe(false)
  })
})
