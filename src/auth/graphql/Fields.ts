/**
 * Computed fields of the auth module's types. A user's role is read in one batch per request for
 * every user the response holds (Loaders.ts), so a page of users costs one role read, not one per user.
 */
import { Effect, Option } from "effect"
import * as Loaders from "../../graphql/Loaders.js"
import type { RoleId } from "../domain/Ids.js"
import type { Role } from "../domain/Role.js"
import * as Queries from "../Queries.js"
import * as Views from "./Views.js"

const roleById = Loaders.lookup("auth/roleById", (ids: ReadonlyArray<RoleId>) =>
  Effect.map(Queries.rolesByIds(ids), (roles) => new Map(roles.map((role) => [role.id, role]))))

/** The user's role from the batch, or as the user came with it (no key: nothing to load). */
const withRole = (value: (role: Option.Option<Role>, user: Views.UserNode) => unknown) =>
  Loaders.field(
    roleById,
    (user: Views.UserNode) => (user.knownRole === undefined ? user.roleId : null),
    (found, user) => value(user.knownRole ?? found, user)
  )

const userFields = {
  role: withRole(Option.match({ onNone: () => null, onSome: Views.userRole })),
  effectivePermissions: withRole((role, user) => Queries.effectiveGrants({ permissions: user.grants }, role).map(Views.grant))
}

export const types = {
  User: userFields,
  AuthenticatedUser: userFields
}
