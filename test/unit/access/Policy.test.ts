import { describe, expect, it } from "vitest"
import * as Grant from "../../../src/access/Grant.js"
import { type Action, actions } from "../../../src/access/Permission.js"
import * as Policy from "../../../src/access/Policy.js"

const named = ["alice", "bob", "carol"] as const
// Never named by any grant: it stands for every instance created after the grants were made.
const unseen = "zed"

/** The definition compile/access must agree with, stated the naive way. */
const allowed = (grants: ReadonlyArray<Grant.Grant>, resource: string, action: Action, instance: string) =>
  grants.some(
    (g) => g.resource === resource && g.action === action && (!g.isConditional || g.scope.includes("*") || g.scope.includes(instance))
  )

const expectedAccess = (grants: ReadonlyArray<Grant.Grant>, resource: string, action: Action): string => {
  if ([...named, unseen].every((instance) => allowed(grants, resource, action, instance))) return "All"
  const some = named.filter((instance) => allowed(grants, resource, action, instance))
  return some.length === 0 ? "None" : `Some(${some.join(",")})`
}

const show = (access: Policy.Access): string =>
  access._tag === "Some" ? `Some(${[...access.instances].sort().join(",")})` : access._tag

const bit = (action: Action) => 1 << actions.indexOf(action)

/** The compiled form spelled out: bits allowed everywhere, and per instance only the bits not already among them. */
const expectedRules = (grants: ReadonlyArray<Grant.Grant>, resource: string): string => {
  if (!grants.some((g) => g.resource === resource)) return "absent"
  const everywhere = actions.filter((a) => allowed(grants, resource, a, unseen)).reduce((bits, a) => bits | bit(a), 0)
  const perInstance = named.flatMap((instance) => {
    const bits = actions
      .filter((a) => allowed(grants, resource, a, instance))
      .reduce((acc, a) => acc | bit(a), 0) & ~everywhere
    return bits === 0 ? [] : [`${instance}=${bits}`]
  })
  return `every=${everywhere} ${perInstance.join(" ")}`
}

const showRules = (policy: Policy.Policy, resource: string): string => {
  const rules = policy.resources.get(resource)
  if (rules === undefined) return "absent"
  const perInstance = [...rules.instances].sort(([a], [b]) => (a < b ? -1 : 1)).map(([instance, bits]) => `${instance}=${bits}`)
  return `every=${rules.everyInstance} ${perInstance.join(" ")}`
}

/** What a user may hold for one permission: nothing, one grant, or two grants of the same permission. */
const choices = (resource: string, action: Action): ReadonlyArray<ReadonlyArray<Grant.Grant>> => {
  const scoped = (...scope: Array<string>) => Grant.scoped(resource, action, scope)
  const unconditional = Grant.unconditional(resource, action)
  return [
    [],
    [unconditional],
    [scoped("*")],
    [scoped("alice")],
    [scoped("bob")],
    [scoped("alice", "bob")],
    // Not canonical on purpose: compile must not rely on "*" standing alone.
    [{ resource, action, isConditional: true, scope: ["*", "alice"] }],
    [unconditional, scoped("alice")],
    [scoped("alice"), scoped("bob")],
    [scoped("*"), scoped("bob")]
  ]
}

/** Every grant set over the cells: the cartesian product of one choice per (resource, action). */
const grantSets = (cells: ReadonlyArray<readonly [string, Action]>, pick = choices): Array<ReadonlyArray<Grant.Grant>> =>
  cells.reduce<Array<ReadonlyArray<Grant.Grant>>>(
    (sets, [resource, action]) => sets.flatMap((set) => pick(resource, action).map((choice) => [...set, ...choice])),
    [[]]
  )

const cellsOf = (resources: ReadonlyArray<string>, of: ReadonlyArray<Action>) =>
  resources.flatMap((resource) => of.map((action) => [resource, action] as const))

/** Checks every answer of the compiled policy against the reference; returns the first mismatches. */
const mismatches = (sets: ReadonlyArray<ReadonlyArray<Grant.Grant>>, resources: ReadonlyArray<string>) => {
  const found: Array<string> = []
  for (const grants of sets) {
    const compiled = [
      ["compile", Policy.compile(grants)],
      ["compile(normalize)", Policy.compile(Grant.normalize(grants))],
      ["compile(reversed)", Policy.compile([...grants].reverse())]
    ] as const
    for (const [how, policy] of compiled) {
      for (const resource of [...resources, "car"]) {
        const rules = showRules(policy, resource)
        if (rules !== expectedRules(grants, resource)) found.push(`${how} ${JSON.stringify(grants)} ${resource}: ${rules}, expected ${expectedRules(grants, resource)}`)
        for (const [, bits] of policy.resources.get(resource)?.instances ?? []) {
          if (bits === 0 || (bits & policy.resources.get(resource)!.everyInstance) !== 0) found.push(`${how} ${JSON.stringify(grants)} ${resource}: redundant bits`)
        }
        for (const action of actions) {
          const access = Policy.access(policy, resource, action)
          const expected = expectedAccess(grants, resource, action)
          if (show(access) !== expected) found.push(`${how} ${JSON.stringify(grants)} ${resource} ${action}: ${show(access)}, expected ${expected}`)
          if (Policy.allowsAny(access) !== (expected !== "None")) found.push(`${how} ${JSON.stringify(grants)} ${resource} ${action}: allowsAny`)
          for (const instance of [...named, unseen]) {
            if (Policy.allowsInstance(access, instance) !== allowed(grants, resource, action, instance)) {
              found.push(`${how} ${JSON.stringify(grants)} ${resource} ${action} ${instance}: allowsInstance`)
            }
          }
        }
      }
    }
    if (found.length >= 5) break
  }
  return found
}

describe("Policy against the reference definition, exhaustively", () => {
  it("agrees on every grant set over user and role, GET and UPDATE", () => {
    const sets = grantSets(cellsOf(["user", "role"], ["GET", "UPDATE"]))
    expect(sets).toHaveLength(10 ** 4)
    expect(mismatches(sets, ["user", "role"])).toEqual([])
  })

  it("agrees on every grant set over all five actions of one resource", () => {
    const fewer = (resource: string, action: Action) => choices(resource, action).filter((_, i) => [0, 1, 2, 3, 7, 8].includes(i))
    const sets = grantSets(cellsOf(["user"], actions), fewer)
    expect(sets).toHaveLength(6 ** 5)
    expect(mismatches(sets, ["user"])).toEqual([])
  })

  it("effective permissions: the union of own and role grants allows what either allows", () => {
    const sets = grantSets(cellsOf(["user"], ["GET", "UPDATE"]))
    const found: Array<string> = []
    for (const own of sets) {
      const ownPolicy = Policy.compile(own)
      for (const fromRole of sets) {
        const rolePolicy = Policy.compile(fromRole)
        const effective = Policy.compile(Grant.union(own, fromRole))
        for (const action of ["GET", "UPDATE"] as const) {
          const [mine, theirs, both] = [ownPolicy, rolePolicy, effective].map((policy) => Policy.access(policy, "user", action))
          for (const instance of [...named, unseen]) {
            const either = Policy.allowsInstance(mine!, instance) || Policy.allowsInstance(theirs!, instance)
            if (Policy.allowsInstance(both!, instance) !== either) found.push(`${JSON.stringify([own, fromRole])} ${action} ${instance}`)
          }
        }
      }
    }
    expect(found.slice(0, 5)).toEqual([])
  })
})

describe("Policy examples", () => {
  it("a role ops scope lets alice UPDATE role ops and not role admin", () => {
    const access = Policy.access(Policy.compile([Grant.scoped("role", "UPDATE", ["ops"])]), "role", "UPDATE")
    expect(access).toEqual({ _tag: "Some", instances: new Set(["ops"]) })
    expect(Policy.allowsInstance(access, "ops")).toBe(true)
    expect(Policy.allowsInstance(access, "admin")).toBe(false)
    expect(Policy.allowsAny(access)).toBe(true)
  })

  it("a \"*\" scope reaches users created after the grant", () => {
    const access = Policy.access(Policy.compile([Grant.scoped("user", "GET", ["*"])]), "user", "GET")
    expect(access).toEqual({ _tag: "All" })
    expect(Policy.allowsInstance(access, "someone-new")).toBe(true)
  })

  it("a grant does not leak to another action or another resource with the same instance name", () => {
    const policy = Policy.compile([Grant.unconditional("user", "GET"), Grant.scoped("role", "GET", ["alice"])])
    expect(Policy.access(policy, "user", "UPDATE")).toEqual({ _tag: "None" })
    expect(Policy.allowsAny(Policy.access(policy, "user", "UPDATE"))).toBe(false)
    expect(Policy.allowsInstance(Policy.access(policy, "role", "GET"), "alice")).toBe(true)
    expect(Policy.allowsInstance(Policy.access(policy, "role", "UPDATE"), "alice")).toBe(false)
    expect(Policy.access(policy, "permission", "GET")).toEqual({ _tag: "None" })
  })

  it("an action allowed everywhere is not repeated on single instances", () => {
    const policy = Policy.compile([
      Grant.unconditional("user", "GET"),
      Grant.scoped("user", "GET", ["alice"]),
      Grant.scoped("user", "UPDATE", ["alice"]),
      Grant.scoped("user", "DELETE", ["*"]),
      Grant.scoped("user", "DELETE", ["bob"])
    ])
    expect(policy.resources.get("user")).toEqual({
      everyInstance: bit("GET") | bit("DELETE"),
      instances: new Map([["alice", bit("UPDATE")]])
    })
  })

  it("nothing granted compiles to an empty policy", () => {
    expect(Policy.compile([]).resources.size).toBe(0)
    expect(Policy.access(Policy.compile([]), "user", "GET")).toEqual({ _tag: "None" })
  })
})

describe("Policy.covers: what a caller may hand out", () => {
  it("agrees with the reference for every held grant set and every grant over user GET and UPDATE", () => {
    const cells = cellsOf(["user"], ["GET", "UPDATE"])
    const offered = cells.flatMap(([resource, action]) => choices(resource, action).flat())
    for (const held of grantSets(cells)) {
      const policy = Policy.compile(held)
      for (const grant of offered) {
        // A grant of every instance must reach one no grant names; a scoped one, each instance it names.
        const instances = !grant.isConditional || grant.scope.includes("*") ? [...named, unseen] : grant.scope
        const reference = instances.every((instance) => allowed(held, grant.resource, grant.action, instance))
        expect(Policy.covers(policy, grant), `${JSON.stringify(held)} covers ${JSON.stringify(grant)}`).toBe(reference)
      }
    }
  })
})
