import type { Action, Permission } from "./Permission.js"
import * as Permissions from "./Permission.js"

/** A user's effective grants: their own plus their role's. */
export const effectivePermissions = (
  own: ReadonlyArray<Permission>,
  fromRole: ReadonlyArray<Permission>
): ReadonlyArray<Permission> => Permissions.union(own, fromRole)

/** Whether the grants allow `action` on `resource` (conditional grants count until instance scopes exist). */
export const allows = (granted: ReadonlyArray<Permission>, resource: string, action: Action): boolean =>
  granted.some((permission) => permission.resource === resource && permission.action === action)
