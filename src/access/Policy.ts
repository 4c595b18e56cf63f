import type { Grant } from "./Grant.js"
import { everyInstance } from "./Grant.js"
import { type Action, actions } from "./Permission.js"

/**
 * Authorization as the original's access module meant it: per resource, a bitmask of the actions
 * allowed on every instance, and per selected instance a bitmask of the actions allowed on it alone.
 * Compiling drops redundancy: an action allowed on all instances is not repeated on any single one.
 */
export interface Policy {
  readonly resources: ReadonlyMap<string, ResourcePolicy>
}

export interface ResourcePolicy {
  readonly everyInstance: number
  readonly instances: ReadonlyMap<string, number>
}

/** What a caller may do for one action on one resource. */
export type Access =
  | { readonly _tag: "None" }
  | { readonly _tag: "All" }
  | { readonly _tag: "Some"; readonly instances: ReadonlySet<string> }

const bit = (action: Action) => 1 << actions.indexOf(action)

export const compile = (grants: ReadonlyArray<Grant>): Policy => {
  const all = new Map<string, number>()
  const single = new Map<string, Map<string, number>>()
  for (const grant of grants) {
    if (!grant.isConditional || grant.scope.includes(everyInstance)) {
      all.set(grant.resource, (all.get(grant.resource) ?? 0) | bit(grant.action))
      continue
    }
    const instances = single.get(grant.resource) ?? new Map<string, number>()
    for (const instance of grant.scope) instances.set(instance, (instances.get(instance) ?? 0) | bit(grant.action))
    single.set(grant.resource, instances)
  }
  const resources = new Map<string, ResourcePolicy>()
  for (const resource of new Set([...all.keys(), ...single.keys()])) {
    const everyInstanceBits = all.get(resource) ?? 0
    const instances = new Map<string, number>()
    for (const [instance, bits] of single.get(resource) ?? []) {
      const extra = bits & ~everyInstanceBits
      if (extra !== 0) instances.set(instance, extra)
    }
    resources.set(resource, { everyInstance: everyInstanceBits, instances })
  }
  return { resources }
}

export const access = (policy: Policy, resource: string, action: Action): Access => {
  const rules = policy.resources.get(resource)
  if (rules === undefined) return { _tag: "None" }
  if ((rules.everyInstance & bit(action)) !== 0) return { _tag: "All" }
  const instances = new Set([...rules.instances].flatMap(([instance, bits]) => ((bits & bit(action)) !== 0 ? [instance] : [])))
  return instances.size === 0 ? { _tag: "None" } : { _tag: "Some", instances }
}

/** Whether the access reaches at least one instance: enough to call a field, not to touch a given instance. */
export const allowsAny = (granted: Access): boolean => granted._tag !== "None"

export const allowsInstance = (granted: Access, instance: string): boolean =>
  granted._tag === "All" || (granted._tag === "Some" && granted.instances.has(instance))

/**
 * An access as a list filter: undefined (no filter) for every instance, else exactly the instances it
 * names, none for no access. A scoped caller's list holds, and counts, only what is in scope.
 */
export const instanceFilter = (granted: Access): ReadonlyArray<string> | undefined =>
  granted._tag === "All" ? undefined : granted._tag === "Some" ? [...granted.instances] : []

/** Whether the policy reaches everything `grant` would: its action on all instances, or on each one its scope names. */
export const covers = (policy: Policy, grant: Grant): boolean => {
  const granted = access(policy, grant.resource, grant.action)
  return !grant.isConditional || grant.scope.includes(everyInstance)
    ? granted._tag === "All"
    : grant.scope.every((instance) => allowsInstance(granted, instance))
}
