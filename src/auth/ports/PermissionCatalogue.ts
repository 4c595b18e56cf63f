import { Context, type Effect } from "effect"
import type { Action, Permission } from "../domain/Permission.js"

export interface PermissionQuery {
  readonly resource?: string | undefined
  readonly action?: Action | undefined
  readonly limit: number
}

/** What can be granted; seeded by migration, read-only at run time. */
export class PermissionCatalogue extends Context.Tag("auth/PermissionCatalogue")<PermissionCatalogue, {
  readonly all: Effect.Effect<ReadonlyArray<Permission>>
  /** In (resource, action, isConditional) order. */
  readonly list: (query: PermissionQuery) => Effect.Effect<ReadonlyArray<Permission>>
}>() {}
