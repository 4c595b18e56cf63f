import { Either } from "effect"
import { UnknownPermissions } from "./Errors.js"
import * as Grant from "./Grant.js"
import * as Permission from "./Permission.js"

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

const resources = ["user", "role", "permission"] as const
/** Conditional grants only where there are instances to select (users by access key, roles by code). */
const instanceResources = ["user", "role"] as const
const instanceActions = ["LIST", "GET", "UPDATE", "DELETE"] as const

/** The catalogue the first migration seeds; the in-memory adapter serves the same (the contract tests compare). */
export const seeded: ReadonlyArray<Permission.Permission> = Permission.normalize([
  ...resources.flatMap((resource) => Permission.actions.map((action) => Permission.make(resource, action))),
  ...instanceResources.flatMap((resource) => instanceActions.map((action) => Permission.make(resource, action, true)))
])
