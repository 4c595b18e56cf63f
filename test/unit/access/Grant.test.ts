import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Permission from "../../../src/access/Permission.js"

// Few resources, actions and instances, so generated sets often overlap on a permission.
const grantArbitrary = fc
  .record({
    resource: fc.constantFrom("user", "role"),
    action: fc.constantFrom<Permission.Action>("GET", "UPDATE"),
    isConditional: fc.boolean(),
    scope: fc.shuffledSubarray(["*", "alice", "bob", "carol"], { minLength: 1 })
  })
  .map(({ action, isConditional, resource, scope }) => Grant.make(Permission.make(resource, action, isConditional), scope))

const grantsArbitrary = fc.array(grantArbitrary, { maxLength: 6 })

const isCanonical = (grants: ReadonlyArray<Grant.Grant>) => {
  const keys = grants.map(Permission.key)
  const scopesCanonical = grants.every((grant) =>
    grant.isConditional
      ? grant.scope.length > 0 &&
        (grant.scope.includes("*") ? grant.scope.length === 1 : grant.scope.every((s, i) => i === 0 || grant.scope[i - 1]! < s))
      : grant.scope.length === 0
  )
  return scopesCanonical && keys.every((key, i) => i === 0 || keys[i - 1]! < key)
}

describe("Grant.normalize", () => {
  it("merges the scopes of grants for the same permission", () => {
    expect(Grant.normalize([Grant.scoped("user", "GET", ["bob"]), Grant.unconditional("user", "GET"), Grant.scoped("user", "GET", ["alice"])])).toEqual([
      Grant.scoped("user", "GET", ["alice", "bob"]),
      Grant.unconditional("user", "GET")
    ])
  })

  it("lets \"*\" absorb specific selectors", () => {
    expect(Grant.normalize([Grant.scoped("user", "GET", ["*", "alice"])])).toEqual([
      { resource: "user", action: "GET", isConditional: true, scope: ["*"] }
    ])
    expect(Grant.normalize([Grant.scoped("user", "GET", ["alice"]), Grant.scoped("user", "GET", ["*"])])).toEqual([Grant.scoped("user", "GET", ["*"])])
  })

  it("gives one canonical grant per permission, in key order", () => {
    fc.assert(fc.property(grantsArbitrary, (grants) => isCanonical(Grant.normalize(grants))))
  })

  it("is idempotent", () => {
    fc.assert(
      fc.property(grantsArbitrary, (grants) => {
        expect(Grant.normalize(Grant.normalize(grants))).toEqual(Grant.normalize(grants))
      })
    )
  })

  it("ignores order and repetition", () => {
    const withPermutation = grantsArbitrary.chain((grants) =>
      fc.tuple(fc.constant(grants), fc.shuffledSubarray(grants, { minLength: grants.length, maxLength: grants.length }))
    )
    fc.assert(
      fc.property(withPermutation, ([grants, permuted]) => {
        expect(Grant.normalize(permuted)).toEqual(Grant.normalize(grants))
        expect(Grant.normalize([...grants, ...permuted])).toEqual(Grant.normalize(grants))
      })
    )
  })
})

describe("Grant.union", () => {
  it("is commutative", () => {
    fc.assert(fc.property(grantsArbitrary, grantsArbitrary, (a, b) => {
      expect(Grant.union(a, b)).toEqual(Grant.union(b, a))
    }))
  })

  it("is associative", () => {
    fc.assert(fc.property(grantsArbitrary, grantsArbitrary, grantsArbitrary, (a, b, c) => {
      expect(Grant.union(Grant.union(a, b), c)).toEqual(Grant.union(a, Grant.union(b, c)))
    }))
  })

  it("is idempotent, with the empty set as identity", () => {
    fc.assert(fc.property(grantsArbitrary, (a) => {
      expect(Grant.union(a, a)).toEqual(Grant.normalize(a))
      expect(Grant.union(a, [])).toEqual(Grant.normalize(a))
    }))
  })
})

describe("Grant.difference", () => {
  const userGetOn = (...scope: Array<string>) => Grant.scoped("user", "GET", scope)

  it("removing a conditional grant removes the instances it names", () => {
    expect(Grant.difference([userGetOn("alice", "bob", "carol")], [userGetOn("bob", "dave")])).toEqual([userGetOn("alice", "carol")])
  })

  it("drops a conditional grant whose every instance is removed", () => {
    expect(Grant.difference([userGetOn("alice", "bob")], [userGetOn("alice"), userGetOn("bob")])).toEqual([])
  })

  it("removing a scope with \"*\" removes the whole grant", () => {
    expect(Grant.difference([userGetOn("alice", "bob")], [userGetOn("*")])).toEqual([])
    expect(Grant.difference([userGetOn("*")], [userGetOn("*")])).toEqual([])
    expect(Grant.difference([userGetOn("alice")], [{ resource: "user", action: "GET", isConditional: true, scope: ["bob", "*"] }])).toEqual([])
  })

  it("a held \"*\" grant cannot lose single instances", () => {
    expect(Grant.difference([userGetOn("*")], [userGetOn("alice")])).toEqual([userGetOn("*")])
  })

  it("removing an unconditional grant removes the unconditional grant only", () => {
    expect(Grant.difference([Grant.unconditional("user", "GET"), userGetOn("alice")], [Grant.unconditional("user", "GET")])).toEqual([userGetOn("alice")])
  })

  it("removing a conditional grant leaves the unconditional one alone", () => {
    expect(Grant.difference([Grant.unconditional("user", "GET")], [userGetOn("*")])).toEqual([Grant.unconditional("user", "GET")])
  })

  it("leaves other permissions alone", () => {
    const held = [Grant.unconditional("role", "GET"), Grant.scoped("user", "UPDATE", ["alice"])]
    expect(Grant.difference(held, [userGetOn("alice"), Grant.unconditional("user", "GET")])).toEqual(Grant.normalize(held))
  })

  it("removing a set from itself leaves nothing; removing nothing normalizes", () => {
    fc.assert(fc.property(grantsArbitrary, (a) => {
      expect(Grant.difference(a, a)).toEqual([])
      expect(Grant.difference(a, [])).toEqual(Grant.normalize(a))
    }))
  })

  it("undoes a union with a set on other permissions", () => {
    const disjoint = fc.tuple(grantsArbitrary, grantsArbitrary).filter(([a, b]) => !b.some((grant) => Permission.includes(a, grant)))
    fc.assert(fc.property(disjoint, ([a, b]) => {
      expect(Grant.difference(Grant.union(a, b), b)).toEqual(Grant.normalize(a))
    }))
  })

  it("undoes a union with other named instances of the same permissions", () => {
    const namedOnly = (instances: Array<string>) =>
      fc.array(
        fc
          .record({ resource: fc.constantFrom("user", "role"), action: fc.constantFrom<Permission.Action>("GET", "UPDATE"), scope: fc.subarray(instances, { minLength: 1 }) })
          .map(({ action, resource, scope }) => Grant.scoped(resource, action, scope)),
        { maxLength: 4 }
      )
    fc.assert(fc.property(namedOnly(["alice", "bob"]), namedOnly(["carol", "dave"]), (a, b) => {
      expect(Grant.difference(Grant.union(a, b), b)).toEqual(Grant.normalize(a))
    }))
  })
})
