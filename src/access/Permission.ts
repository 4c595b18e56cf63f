import { compareStrings } from "../kernel/Order.js"

/** One action on one resource, as the catalogue lists it; a conditional one can be limited to instances (Grant.ts). */
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

/** The natural key, for sets and maps. */
export const key = (permission: Permission): string =>
  `${permission.resource}:${permission.action}:${permission.isConditional ? "conditional" : "unconditional"}`

export const includes = (set: ReadonlyArray<Permission>, permission: Permission): boolean =>
  set.some((candidate) => key(candidate) === key(permission))

/** The catalogue's list order: resource, then action (code-unit order), then conditional before unconditional. */
export const compare = (a: Permission, b: Permission): number =>
  compareStrings(a.resource, b.resource) || compareStrings(a.action, b.action) || Number(b.isConditional) - Number(a.isConditional)

/** Duplicate-free, in list order. */
export const normalize = (permissions: Iterable<Permission>): ReadonlyArray<Permission> => {
  const byKey = new Map<string, Permission>()
  for (const permission of permissions) byKey.set(key(permission), make(permission.resource, permission.action, permission.isConditional))
  return [...byKey.values()].sort(compare)
}
