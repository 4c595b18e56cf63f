import { Effect, Option } from "effect"
import type { UserId } from "./domain/Ids.js"
import type { Action, Permission } from "./domain/Permission.js"
import * as Policy from "./domain/Policy.js"
import type { Role } from "./domain/Role.js"
import type { User } from "./domain/User.js"
import { PermissionCatalogue } from "./ports/PermissionCatalogue.js"
import { RoleRepository } from "./ports/RoleRepository.js"
import { UserRepository } from "./ports/UserRepository.js"

/** The read side: what clients see of users and roles. Never exposes password hashes. */
export interface UserView {
  readonly id: UserId
  readonly accessKey: string
  readonly email: string
  readonly name: string
  readonly createdAt: Date
  /** The user's own grants. */
  readonly permissions: ReadonlyArray<Permission>
  /** Own grants plus the role's: what the user may actually do. */
  readonly effectivePermissions: ReadonlyArray<Permission>
  readonly role: Role | null
}

/** Who is calling, with their grants as stored now (so a revocation holds from the next request). */
export interface Principal {
  readonly userId: UserId
  readonly accessKey: string
  readonly permissions: ReadonlyArray<Permission>
}

const roleOf = (user: User) =>
  user.roleId === null
    ? Effect.succeed(null)
    : Effect.flatMap(RoleRepository, (roles) => roles.byId(user.roleId!)).pipe(Effect.map(Option.getOrNull))

const toView = (user: User, role: Role | null): UserView => ({
  id: user.id,
  accessKey: user.accessKey,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt,
  permissions: user.permissions,
  effectivePermissions: Policy.effectivePermissions(user.permissions, role?.permissions ?? []),
  role
})

const view = (found: Option.Option<User>) =>
  Option.match(found, {
    onNone: () => Effect.succeed(Option.none<UserView>()),
    onSome: (user) => Effect.map(roleOf(user), (role) => Option.some(toView(user, role)))
  })

export const userById = (id: UserId) => Effect.flatMap(UserRepository, (users) => users.byId(id)).pipe(Effect.flatMap(view))

export const userByAccessKey = (accessKey: string) =>
  Effect.flatMap(UserRepository, (users) => users.byAccessKey(accessKey)).pipe(Effect.flatMap(view))

/** A page of users; each distinct role is read once for the page. */
export const users = (limit: number) =>
  Effect.gen(function*() {
    const page = yield* Effect.flatMap(UserRepository, (users) => users.list({ limit }))
    const roleRepository = yield* RoleRepository
    const roleIds = [...new Set(page.flatMap((user) => (user.roleId === null ? [] : [user.roleId])))]
    const roles = new Map(
      (yield* Effect.forEach(roleIds, roleRepository.byId, { concurrency: 1 })).flatMap(Option.match({
        onNone: () => [],
        onSome: (role) => [[role.id, role] as const]
      }))
    )
    return page.map((user) => toView(user, user.roleId === null ? null : roles.get(user.roleId) ?? null))
  })

export const role = (code: string) => Effect.flatMap(RoleRepository, (roles) => roles.byCode(code))

export const roles = (name: string, limit: number) => Effect.flatMap(RoleRepository, (roles) => roles.list({ name, limit }))

export const permissions = (filter: { readonly resource?: string | undefined; readonly action?: Action | undefined }, limit: number) =>
  Effect.flatMap(PermissionCatalogue, (catalogue) => catalogue.list({ ...filter, limit }))

export const principal = (id: UserId) =>
  Effect.map(userById(id), Option.map((user): Principal => ({
    userId: user.id,
    accessKey: user.accessKey,
    permissions: user.effectivePermissions
  })))
