import { Context, type Effect } from "effect"
import type { Action, Permission } from "../../access/Permission.js"
import type { PageQuery, Window } from "../../kernel/Connection.js"

/** The catalogue is listed in Permission.key order; the permission is its own key. */
export type PermissionKey = Permission

export interface PermissionFilter {
  readonly resource?: string | undefined
  readonly action?: Action | undefined
}

/** What can be granted; seeded by migration, read-only at run time. */
export class PermissionCatalogue extends Context.Tag("auth/PermissionCatalogue")<PermissionCatalogue, {
  readonly all: Effect.Effect<ReadonlyArray<Permission>>
  readonly page: (query: PageQuery<PermissionKey>, filter: PermissionFilter) => Effect.Effect<Window<Permission>>
  readonly count: (filter: PermissionFilter) => Effect.Effect<number>
}>() {}
