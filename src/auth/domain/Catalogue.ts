import { Either } from "effect"
import * as Grant from "../../access/Grant.js"
import * as Permission from "../../access/Permission.js"
import { UnknownPermissions } from "./Errors.js"

/**
 * Checks requested grants against the catalogue of what can be granted. Anything outside it is an
 * error naming each unknown permission (the original dropped them silently).
 */
export const resolve = (
  catalogue: ReadonlyArray<Permission.Permission>,
  requested: ReadonlyArray<Grant.Grant>
): Either.Either<ReadonlyArray<Grant.Grant>, UnknownPermissions> => {
  const unknown = Permission.normalize(requested.filter((grant) => !Permission.includes(catalogue, grant)))
  return unknown.length > 0
    ? Either.left(new UnknownPermissions({ permissions: unknown }))
    : Either.right(Grant.normalize(requested))
}

const instanceActions = ["LIST", "GET", "UPDATE", "DELETE"] as const

/**
 * A resource's entries: every action, and, where there are instances to select (users by access
 * key, roles by code), conditional grants of the actions that touch existing instances. Other
 * modules add theirs with this, so every resource follows the same rule.
 */
export const entries = (resource: string, options: { readonly instances: boolean }): ReadonlyArray<Permission.Permission> =>
  Permission.normalize([
    ...Permission.actions.map((action) => Permission.make(resource, action)),
    ...(options.instances ? instanceActions.map((action) => Permission.make(resource, action, true)) : [])
  ])

/**
 * Auth's own entries, as its first migration seeds them. The catalogue served is every module's
 * (Composition.catalogue); the in-memory adapter serves that list and the contract tests compare.
 */
export const seeded: ReadonlyArray<Permission.Permission> = Permission.normalize([
  ...entries("user", { instances: true }),
  ...entries("role", { instances: true }),
  ...entries("permission", { instances: false })
])
