import { Context, type Effect, type Option } from "effect"
import type { Conflict } from "../../kernel/Errors.js"
import type { RoleAlreadyExists } from "../domain/Errors.js"
import type { RoleId } from "../domain/Ids.js"
import type { Role } from "../domain/Role.js"

export interface RoleListQuery {
  /** Case-insensitive substring of the name; empty matches every role. */
  readonly name: string
  readonly limit: number
}

/** Roles, one aggregate at a time. `save` succeeds only if nobody saved the role since it was loaded. */
export class RoleRepository extends Context.Tag("auth/RoleRepository")<RoleRepository, {
  readonly byId: (id: RoleId) => Effect.Effect<Option.Option<Role>>
  readonly byCode: (code: string) => Effect.Effect<Option.Option<Role>>
  readonly add: (role: Role) => Effect.Effect<void, RoleAlreadyExists>
  readonly save: (role: Role) => Effect.Effect<void, Conflict>
  /** In code order. */
  readonly list: (query: RoleListQuery) => Effect.Effect<ReadonlyArray<Role>>
}>() {}
