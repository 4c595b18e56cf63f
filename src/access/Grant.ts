import * as Permission from "./Permission.js"

/** The selector that stands for every instance of the resource. */
export const everyInstance = "*"

/**
 * A permission held by a user or a role. An unconditional grant covers every instance and has an
 * empty scope; a conditional one covers the instances its scope names (user access keys, role codes)
 * or, with `*`, all of them. Scopes are kept canonical: sorted, unique, and `*` alone.
 */
export interface Grant extends Permission.Permission {
  readonly scope: ReadonlyArray<string>
}

const canonicalScope = (scope: Iterable<string>): ReadonlyArray<string> => {
  const unique = new Set(scope)
  return unique.has(everyInstance) ? [everyInstance] : [...unique].sort()
}

export const make = (permission: Permission.Permission, scope: Iterable<string> = []): Grant => ({
  ...Permission.make(permission.resource, permission.action, permission.isConditional),
  scope: permission.isConditional ? canonicalScope(scope) : []
})

export const unconditional = (resource: string, action: Permission.Action): Grant =>
  make(Permission.make(resource, action))

export const scoped = (resource: string, action: Permission.Action, scope: ReadonlyArray<string>): Grant =>
  make(Permission.make(resource, action, true), scope)

const byPermission = (grants: Iterable<Grant>) => {
  const merged = new Map<string, Grant>()
  for (const grant of grants) {
    const key = Permission.key(grant)
    const held = merged.get(key)
    merged.set(key, make(grant, held === undefined ? grant.scope : [...held.scope, ...grant.scope]))
  }
  return merged
}

const sorted = (merged: Map<string, Grant>): ReadonlyArray<Grant> => [...merged.values()].sort(Permission.compare)

/** A set of grants in canonical form: one grant per permission (scopes merged), sorted; equal sets compare equal. */
export const normalize = (grants: Iterable<Grant>): ReadonlyArray<Grant> => sorted(byPermission(grants))

export const union = (a: ReadonlyArray<Grant>, b: ReadonlyArray<Grant>): ReadonlyArray<Grant> => normalize([...a, ...b])

/**
 * `held` without `removed`. Removing a conditional grant removes the instances its scope names, and
 * the whole grant with `*`; a grant of `*` cannot lose single instances (there is no "all but").
 */
export const difference = (held: ReadonlyArray<Grant>, removed: ReadonlyArray<Grant>): ReadonlyArray<Grant> => {
  const remaining = byPermission(held)
  for (const grant of normalize(removed)) {
    const key = Permission.key(grant)
    const current = remaining.get(key)
    if (current === undefined) continue
    if (!grant.isConditional || grant.scope.includes(everyInstance)) {
      remaining.delete(key)
      continue
    }
    const left = current.scope.filter((selector) => !grant.scope.includes(selector))
    if (left.length === 0) remaining.delete(key)
    else remaining.set(key, make(current, left))
  }
  return sorted(remaining)
}
