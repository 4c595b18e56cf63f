import { Effect, Option } from "effect"
import * as Grant from "../../access/Grant.js"
import type { Administrator } from "../domain/Administrators.js"
import * as Administrators from "../domain/Administrators.js"
import { LastAdministrator, NotRevocable } from "../domain/Errors.js"
import * as Revocation from "../domain/Revocation.js"
import type { User } from "../domain/User.js"
import { Administrators as AdministratorsPort } from "../ports/Administrators.js"
import { PermissionCatalogue } from "../ports/PermissionCatalogue.js"
import { RoleRepository } from "../ports/RoleRepository.js"
import { withinReach } from "./Lookups.js"

/**
 * The rules every change that takes grants away passes, whoever's grants and however (a role replaced
 * or overridden, grants detached from a user or a role, a user or role deleted): the caller reaches
 * everything taken, and an administrator remains.
 */

/** Nobody takes away what they lack: revoking reaches no further than granting. */
export const takeAway = (grants: ReadonlyArray<Grant.Grant>) =>
  withinReach(grants, (permissions) => new NotRevocable({ permissions }))

/**
 * Refuses a change that would leave no administrator; `after` as in Administrators.remainAfter. With
 * none to begin with (a catalogue grown past every account) there is nobody this change could demote.
 */
export const keepAnAdministrator = (after: (administrator: Administrator) => ReadonlyArray<Grant.Grant> | undefined) =>
  Effect.gen(function*() {
    const administrators = yield* Effect.flatMap(AdministratorsPort, (port) => port.locked)
    if (administrators.length === 0) return
    const catalogue = yield* Effect.flatMap(PermissionCatalogue, (catalogue) => catalogue.all)
    if (!Administrators.remainAfter(catalogue, administrators, after)) return yield* new LastAdministrator()
  })

/** The grants a user holds through their role. */
const roleGrants = (user: User): Effect.Effect<ReadonlyArray<Grant.Grant>, never, RoleRepository> => {
  const roleId = user.roleId
  return roleId === null
    ? Effect.succeed([])
    : Effect.map(
      Effect.flatMap(RoleRepository, (roles) => roles.byId(roleId)),
      Option.match({ onNone: () => [], onSome: (role) => role.permissions })
    )
}

/**
 * A change of one user's effective grants: `after` gives them from what the user held through their
 * role before (none once deleted). Checks what it takes, and that an administrator remains.
 */
export const changeUserGrants = (user: User, after: (throughRole: ReadonlyArray<Grant.Grant>) => ReadonlyArray<Grant.Grant>) =>
  Effect.gen(function*() {
    const throughRole = yield* roleGrants(user)
    const kept = after(throughRole)
    const taken = Revocation.taken(Grant.union(user.permissions, throughRole), kept)
    if (taken.length === 0) return
    yield* takeAway(taken)
    yield* keepAnAdministrator((administrator) => administrator.id === user.id ? kept : undefined)
  })
