/**
 * What clients see of the auth module's data: the sources of schema.graphql's object types. Built
 * explicitly so that nothing else on a domain value (hashes, versions) can leak through; fields
 * outside the SDL (a user's `roleId`, `grants`) are only for the field resolvers in Fields.ts.
 */
import { type Option, Redacted } from "effect"
import type { Grant } from "../../access/Grant.js"
import type { Permission } from "../../access/Permission.js"
import type { Role } from "../domain/Role.js"
import type { User } from "../domain/User.js"
import type { IssuedTokens } from "../handlers/Sessions.js"

export const permission = (entry: Permission) => ({
  resource: entry.resource,
  action: entry.action,
  isConditional: entry.isConditional
})

export const grant = (held: Grant) => ({ ...permission(held), scope: held.scope })

export const user = (user: User) => ({
  accessKey: user.accessKey,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
  permissions: user.permissions.map(grant),
  roleId: user.roleId,
  grants: user.permissions,
  /** Set when the role was read with the user, sparing the field its batch read. */
  knownRole: undefined as Option.Option<Role> | undefined
})

/** The caller (`me`), with the role read together with its session. */
export const caller = (account: User, role: Option.Option<Role>) => ({ ...user(account), knownRole: role })

export type UserNode = ReturnType<typeof user>

export const role = (role: Role) => ({
  code: role.code,
  name: role.name,
  createdAt: role.createdAt.toISOString(),
  permissions: role.permissions.map(grant)
})

export const userRole = (role: Role) => ({ code: role.code, name: role.name })

/** The one place a refresh token's secret is unwrapped: into the answer to the client who owns it. */
export const token = (tokens: IssuedTokens) => ({
  value: tokens.access.value,
  authType: tokens.access.authType,
  expiresAt: tokens.access.expiresAt.toISOString(),
  refreshToken: Redacted.value(tokens.refreshToken)
})

export const authenticatedUser = (authenticated: User, tokens: IssuedTokens) => ({
  ...user(authenticated),
  token: token(tokens)
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
  | "USER_DELETED"
  | "ROLE_DELETED"
  | "LOGGED_OUT"

export const commandResponse = (status: CommandStatus, message: string) => ({ status, message })
