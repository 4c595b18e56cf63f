/**
 * The comparison's peer servers (bench/peers/) must answer with our data and refuse what we refuse:
 * their grant merging and permission checks must agree with our domain's on any grants.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Permission from "../../../src/access/Permission.js"
import * as Policy from "../../../src/access/Policy.js"
import * as Access from "../../../bench/peers/Access.js"

const resource = fc.constantFrom("user", "role", "permission")
const action = fc.constantFrom(...Permission.actions)
const scope = fc.uniqueArray(fc.constantFrom("alice", "bob", "carol", "*"), { minLength: 1, maxLength: 3 })
/** A grant as the database holds it: canonical or not, conditional ones scoped. */
const grant = fc.oneof(
  fc.record({ resource, action, isConditional: fc.constant(false), scope: fc.constant<ReadonlyArray<string>>([]) }),
  fc.record({ resource, action, isConditional: fc.constant(true), scope })
)
const grants = fc.array(grant, { maxLength: 8 })

describe("the peers' grants and checks", () => {
  it("merge grants as Grant.union does", () => {
    fc.assert(fc.property(grants, grants, (a, b) => {
      expect(Access.union(a, b)).toEqual(Grant.union(a.map((g) => Grant.make(g, g.scope)), b.map((g) => Grant.make(g, g.scope))))
    }))
  })

  it("reach an instance exactly when Policy allows it", () => {
    fc.assert(fc.property(grants, resource, action, fc.constantFrom("alice", "bob", "dave"), (held, r, a, instance) => {
      const policy = Policy.compile(Grant.normalize(held.map((g) => Grant.make(g, g.scope))))
      const access = Policy.access(policy, r, a)
      const reach = Access.reach(held, r, a)
      expect(Access.reaches(reach)).toBe(Policy.allowsAny(access))
      expect(Access.reaches(reach, instance)).toBe(Policy.allowsInstance(access, instance))
    }))
  })

  it("let a caller hand out a grant exactly when Policy.covers does", () => {
    fc.assert(fc.property(grants, grant, (held, handed) => {
      const policy = Policy.compile(Grant.normalize(held.map((g) => Grant.make(g, g.scope))))
      expect(Access.covers(held, handed)).toBe(Policy.covers(policy, Grant.make(handed, handed.scope)))
    }))
  })
})
