import type { Grant } from "../../access/Grant.js"
import type { Permission } from "../../access/Permission.js"
import * as Policy from "../../access/Policy.js"
import type { RoleId, UserId } from "./Ids.js"

/**
 * An administrator holds every permission of the catalogue on every instance, directly or through
 * their role: nothing is beyond their reach, so they can repair any other account. The system must
 * always keep one (a command that would demote the last is refused: LastAdministrator).
 */
export const isAdministrator = (catalogue: ReadonlyArray<Permission>, grants: ReadonlyArray<Grant>): boolean => {
  const policy = Policy.compile(grants)
  return catalogue.every((permission) => Policy.access(policy, permission.resource, permission.action)._tag === "All")
}

/** An administrator as a change of grants sees one: their own grants and their role, by which a role's change reaches them. */
export interface Administrator {
  readonly id: UserId
  readonly roleId: RoleId | null
  readonly permissions: ReadonlyArray<Grant>
}

/**
 * Whether an administrator is left after a change. `after` gives the effective grants an affected
 * administrator keeps (none once deleted), or undefined for one the change does not touch.
 */
export const remainAfter = (
  catalogue: ReadonlyArray<Permission>,
  administrators: ReadonlyArray<Administrator>,
  after: (administrator: Administrator) => ReadonlyArray<Grant> | undefined
): boolean =>
  administrators.some((administrator) => {
    const kept = after(administrator)
    return kept === undefined || isAdministrator(catalogue, kept)
  })
