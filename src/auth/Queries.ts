/** The read side: users, roles and the catalogue as clients list them. */
import { Effect, Option, Redacted, Schema } from "effect"
import * as Grant from "../access/Grant.js"
import * as Permission from "../access/Permission.js"
import * as Policy from "../access/Policy.js"
import * as Connection from "../kernel/Connection.js"
import * as Cursor from "../kernel/Cursor.js"
import { sha256Hex } from "../kernel/Secrets.js"
import { RoleId, UserId } from "./domain/Ids.js"
import type { Role } from "./domain/Role.js"
import type { User } from "./domain/User.js"
import { type PermissionFilter, PermissionCatalogue } from "./ports/PermissionCatalogue.js"
import { ResetTokenRepository } from "./ports/ResetTokenRepository.js"
import * as RoleRepository from "./ports/RoleRepository.js"
import * as UserRepository from "./ports/UserRepository.js"

const Users = UserRepository.UserRepository
const Roles = RoleRepository.RoleRepository

export const userById = (id: UserId) => Effect.flatMap(Users, (users) => users.byId(id))

export const userByAccessKey = (accessKey: string) => Effect.flatMap(Users, (users) => users.byAccessKey(accessKey))

/** The access key of the account a reset token was issued to (used or not): what its per-account limit counts. */
export const resetTokenHolder = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(ResetTokenRepository, (tokens) => tokens.byHash(sha256Hex(Redacted.value(token)))).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeedNone,
      onSome: (found) => Effect.map(userById(found.userId), Option.map((user) => user.accessKey))
    }))
  )

export const roleByCode = (code: string) => Effect.flatMap(Roles, (roles) => roles.byCode(code))

export const rolesByIds = (ids: ReadonlyArray<RoleId>) => Effect.flatMap(Roles, (roles) => roles.byIds(ids))

const noRole: ReadonlyArray<Grant.Grant> = []
const effective = new WeakMap<ReadonlyArray<Grant.Grant>, WeakMap<ReadonlyArray<Grant.Grant>, ReadonlyArray<Grant.Grant>>>()

/**
 * A user's own grants plus their role's: what they may actually do. Memoised by the grant lists'
 * identity (they are immutable): the caller's adapter hands the same lists out again for the same
 * stored grants (CallersPg.ts), so a request whose caller's grants are unchanged merges nothing.
 */
export const effectiveGrants = (user: Pick<User, "permissions">, role: Option.Option<Role>): ReadonlyArray<Grant.Grant> => {
  const roleGrants = Option.isSome(role) ? role.value.permissions : noRole
  let byUser = effective.get(roleGrants)
  if (byUser === undefined) effective.set(roleGrants, byUser = new WeakMap())
  let merged = byUser.get(user.permissions)
  if (merged === undefined) byUser.set(user.permissions, merged = Grant.union(user.permissions, roleGrants))
  return merged
}

// The id must be a UUID: a forged cursor is refused as a bad argument before it reaches SQL's uuid type.
const userCursor = Cursor.codec("users", Schema.Struct({ createdAt: Schema.Date, id: Schema.UUID.pipe(Schema.fromBrand(UserId)) }))
const roleCursor = Cursor.codec("roles", Schema.String)
const permissionCursor = Cursor.codec(
  "permissions",
  Schema.Struct({ resource: Schema.String, action: Schema.Literal(...Permission.actions), isConditional: Schema.Boolean })
)

/** A page of users, limited to the ones `access` reaches (a scoped grant lists and counts only its instances). */
export const users = (args: Connection.PageArguments, access: Policy.Access) =>
  Effect.flatMap(Users, (users) => {
    const filter = { accessKeys: Policy.instanceFilter(access) }
    return Connection.load(args, {
      codec: userCursor,
      keyOf: UserRepository.keyOf,
      window: (request) => users.page(request, filter),
      count: users.count(filter)
    })
  })

/** A page of roles whose name contains `name` (case-insensitive), limited to the ones `access` reaches. */
export const roles = (args: Connection.PageArguments, name: string, access: Policy.Access) =>
  Effect.flatMap(Roles, (roles) => {
    const filter = { name, codes: Policy.instanceFilter(access) }
    return Connection.load(args, {
      codec: roleCursor,
      keyOf: RoleRepository.keyOf,
      window: (request) => roles.page(request, filter),
      count: roles.count(filter)
    })
  })

/** A page of the catalogue, optionally one resource's or one action's. */
export const permissions = (args: Connection.PageArguments, filter: PermissionFilter) =>
  Effect.flatMap(PermissionCatalogue, (catalogue) =>
    Connection.load(args, {
      codec: permissionCursor,
      keyOf: (permission: Permission.Permission) => permission,
      window: (request) => catalogue.page(request, filter),
      count: catalogue.count(filter)
    }))
