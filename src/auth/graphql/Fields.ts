/**
 * Computed fields of the auth module's types. A user's role is read in one batch per request for
 * every user the response holds (Loaders.ts), so a page of users costs one role read, not one per user.
 */
import { Effect, Option } from "effect"
import type { FieldResolver } from "../../graphql/Context.js"
import * as Loaders from "../../graphql/Loaders.js"
import type { RoleId } from "../domain/Ids.js"
import type { Role } from "../domain/Role.js"
import type { RoleRepository } from "../ports/RoleRepository.js"
import * as Queries from "../Queries.js"
import * as Views from "./Views.js"

const roleById = Loaders.lookup("auth/roleById", (ids: ReadonlyArray<RoleId>) =>
  Effect.map(Queries.rolesByIds(ids), (roles) => new Map(roles.map((role) => [role.id, role]))))

const roleOf = (user: Views.UserNode): Effect.Effect<Option.Option<Role>, never, RoleRepository | Loaders.RequestLoaders> =>
  user.roleId === null ? Effect.succeedNone : Loaders.load(roleById, user.roleId)

const userFields: Readonly<Record<string, FieldResolver<RoleRepository>>> = {
  role: (user: Views.UserNode) => Effect.map(roleOf(user), Option.match({ onNone: () => null, onSome: Views.userRole })),
  effectivePermissions: (user: Views.UserNode) =>
    Effect.map(roleOf(user), (role) => Queries.effectiveGrants({ permissions: user.grants }, role).map(Views.grant))
}

export const types = {
  User: userFields,
  AuthenticatedUser: userFields
}
