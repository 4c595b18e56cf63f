import { Context, type Effect, type Option } from "effect"
import type { Conflict } from "../../kernel/Errors.js"
import type { PageQuery, Window } from "../../kernel/Connection.js"
import type { UserAlreadyExists } from "../domain/Errors.js"
import type { RoleId, UserId } from "../domain/Ids.js"
import type { User } from "../domain/User.js"

/** Users are listed in creation order, ties broken by id: a total order for keyset pages. */
export interface UserKey {
  readonly createdAt: Date
  readonly id: UserId
}

export const keyOf = (user: User): UserKey => ({ createdAt: user.createdAt, id: user.id })

export interface UserFilter {
  /** Only these users (an instance-scoped caller's reach); every user when absent. */
  readonly accessKeys?: ReadonlyArray<string> | undefined
  /** Only the holders of this role. */
  readonly roleId?: RoleId | undefined
}

/**
 * Users, one aggregate at a time. `save` and `remove` succeed only if nobody saved the user since it was
 * loaded. Writes open no transaction of their own: they run in the bus's unit of work, which commits
 * them (and the events) together.
 */
export class UserRepository extends Context.Tag("auth/UserRepository")<UserRepository, {
  readonly byId: (id: UserId) => Effect.Effect<Option.Option<User>>
  readonly byAccessKey: (accessKey: string) => Effect.Effect<Option.Option<User>>
  readonly add: (user: User) => Effect.Effect<void, UserAlreadyExists>
  readonly save: (user: User) => Effect.Effect<void, Conflict>
  readonly remove: (user: User) => Effect.Effect<void, Conflict>
  readonly page: (query: PageQuery<UserKey>, filter: UserFilter) => Effect.Effect<Window<User>>
  readonly count: (filter: UserFilter) => Effect.Effect<number>
}>() {}
