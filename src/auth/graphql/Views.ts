/**
 * What clients see of the auth module's data: the shapes of schema.graphql's object types. Built
 * explicitly so that nothing else on a domain value (ids, hashes, versions) can leak through.
 */
import type { AccessToken } from "../ports/TokenIssuer.js"
import type { Permission } from "../domain/Permission.js"
import type { UserView } from "../Queries.js"
import type { Role } from "../domain/Role.js"

export const permission = (grant: Permission) => ({
  resource: grant.resource,
  action: grant.action,
  isConditional: grant.isConditional
})

export const user = (view: UserView) => ({
  accessKey: view.accessKey,
  email: view.email,
  name: view.name,
  createdAt: view.createdAt.toISOString(),
  permissions: view.permissions.map(permission),
  effectivePermissions: view.effectivePermissions.map(permission),
  role: view.role === null ? null : { code: view.role.code, name: view.role.name }
})

export const role = (role: Role) => ({
  code: role.code,
  name: role.name,
  createdAt: role.createdAt.toISOString(),
  permissions: role.permissions.map(permission)
})

export const authenticatedUser = (view: UserView, token: AccessToken) => ({
  ...user(view),
  token: { value: token.value, authType: token.authType }
})

export type CommandStatus =
  | "USER_CREATED"
  | "USER_AUTHENTICATED"
  | "EMAIL_RESET_PWD_SENT"
  | "PWD_CHANGED"
  | "PERMISSIONS_ATTACHED"
  | "PERMISSIONS_DETACHED"
  | "ROLE_CREATED"
  | "USER_ROLE_SET"

export const commandResponse = (status: CommandStatus, message: string) => ({ status, message })
