import { Context, type Effect, type Option } from "effect"
import type { PageQuery, Window } from "../../kernel/Connection.js"
import type { Conflict } from "../../kernel/Errors.js"
import type { RoleAlreadyExists, RoleInUse } from "../domain/Errors.js"
import type { RoleId } from "../domain/Ids.js"
import type { Role } from "../domain/Role.js"

/** Roles are listed by code in byte order (codes are unique). */
export type RoleKey = string

export const keyOf = (role: Role): RoleKey => role.code

export interface RoleFilter {
  /** Case-insensitive substring of the name; empty matches every role. */
  readonly name: string
  /** Only these roles (an instance-scoped caller's reach); every role when absent. */
  readonly codes?: ReadonlyArray<string> | undefined
}

/**
 * Roles, one aggregate at a time. `save` and `remove` succeed only if nobody saved the role since it was
 * loaded. Writes open no transaction of their own: they run in the bus's unit of work, which commits
 * them (and the events) together.
 */
export class RoleRepository extends Context.Tag("auth/RoleRepository")<RoleRepository, {
  readonly byId: (id: RoleId) => Effect.Effect<Option.Option<Role>>
  /** The roles found among `ids`, in no particular order: one read for a page's worth of users. */
  readonly byIds: (ids: ReadonlyArray<RoleId>) => Effect.Effect<ReadonlyArray<Role>>
  readonly byCode: (code: string) => Effect.Effect<Option.Option<Role>>
  readonly add: (role: Role) => Effect.Effect<void, RoleAlreadyExists>
  readonly save: (role: Role) => Effect.Effect<void, Conflict>
  /** Refused while a user holds the role, so no account silently loses its grants. */
  readonly remove: (role: Role) => Effect.Effect<void, Conflict | RoleInUse>
  readonly page: (query: PageQuery<RoleKey>, filter: RoleFilter) => Effect.Effect<Window<Role>>
  readonly count: (filter: RoleFilter) => Effect.Effect<number>
}>() {}
