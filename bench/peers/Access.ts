/**
 * Grants and permission checks as a peer implementer would write them, in the spirit of ours
 * (src/access/Grant.ts, Policy.ts): one grant per permission with scopes merged and sorted, and
 * a lookup of how far the caller reaches for one action on one resource.
 */
import type { GrantRow } from "./Sql.js"

const everyInstance = "*"
const keyOf = (grant: GrantRow) => `${grant.resource}:${grant.action}:${grant.isConditional}`
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Canonical: merged by permission, scopes unique and sorted (`*` alone), resource then action order, conditional first. */
export const union = (...lists: ReadonlyArray<ReadonlyArray<GrantRow>>): ReadonlyArray<GrantRow> => {
  const merged = new Map<string, GrantRow>()
  for (const grant of lists.flat()) {
    const held = merged.get(keyOf(grant))
    const scope = new Set([...(held?.scope ?? []), ...grant.scope])
    merged.set(keyOf(grant), {
      resource: grant.resource,
      action: grant.action,
      isConditional: grant.isConditional,
      scope: !grant.isConditional ? [] : scope.has(everyInstance) ? [everyInstance] : [...scope].sort(byCodeUnit)
    })
  }
  return [...merged.values()].sort((a, b) =>
    byCodeUnit(a.resource, b.resource) || byCodeUnit(a.action, b.action) || Number(b.isConditional) - Number(a.isConditional))
}

/** "all", the instances named, or nothing (an empty set). */
export type Reach = "all" | ReadonlySet<string>

export const reach = (grants: ReadonlyArray<GrantRow>, resource: string, action: string): Reach => {
  const instances = new Set<string>()
  for (const grant of grants) {
    if (grant.resource !== resource || grant.action !== action) continue
    if (!grant.isConditional || grant.scope.includes(everyInstance)) return "all"
    for (const instance of grant.scope) instances.add(instance)
  }
  return instances
}

export const reaches = (granted: Reach, instance?: string): boolean =>
  granted === "all" || (instance === undefined ? granted.size > 0 : granted.has(instance))

/** Whether `grants` reach everything `grant` would (what a caller may hand out). */
export const covers = (grants: ReadonlyArray<GrantRow>, grant: GrantRow): boolean => {
  const granted = reach(grants, grant.resource, grant.action)
  return !grant.isConditional || grant.scope.includes(everyInstance)
    ? granted === "all"
    : grant.scope.every((instance) => reaches(granted, instance))
}
