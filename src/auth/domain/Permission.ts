/** A grant of one action on one resource; a conditional grant may later be limited to selected instances. */
export const actions = ["LIST", "GET", "CREATE", "UPDATE", "DELETE"] as const
export type Action = (typeof actions)[number]

export interface Permission {
  readonly resource: string
  readonly action: Action
  readonly isConditional: boolean
}

export const make = (resource: string, action: Action, isConditional = false): Permission => ({
  resource,
  action,
  isConditional
})

export const key = (permission: Permission): string =>
  `${permission.resource}:${permission.action}:${permission.isConditional ? "conditional" : "unconditional"}`

export const equals = (a: Permission, b: Permission): boolean => key(a) === key(b)

/** A set of grants as a canonical, duplicate-free, sorted array: equal sets compare equal. */
export const normalize = (permissions: Iterable<Permission>): ReadonlyArray<Permission> => {
  const byKey = new Map<string, Permission>()
  for (const permission of permissions) byKey.set(key(permission), make(permission.resource, permission.action, permission.isConditional))
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, permission]) => permission)
}

export const union = (a: ReadonlyArray<Permission>, b: ReadonlyArray<Permission>): ReadonlyArray<Permission> =>
  normalize([...a, ...b])

export const difference = (a: ReadonlyArray<Permission>, b: ReadonlyArray<Permission>): ReadonlyArray<Permission> => {
  const removed = new Set(b.map(key))
  return normalize(a.filter((permission) => !removed.has(key(permission))))
}

export const includes = (set: ReadonlyArray<Permission>, permission: Permission): boolean =>
  set.some((candidate) => equals(candidate, permission))
