import { Context, type Effect, type Option } from "effect"
import type { Conflict } from "../../kernel/Errors.js"
import type { UserAlreadyExists } from "../domain/Errors.js"
import type { UserId } from "../domain/Ids.js"
import type { User } from "../domain/User.js"

export interface UserListQuery {
  readonly limit: number
}

/** Users, one aggregate at a time. `save` succeeds only if nobody saved the user since it was loaded. */
export class UserRepository extends Context.Tag("auth/UserRepository")<UserRepository, {
  readonly byId: (id: UserId) => Effect.Effect<Option.Option<User>>
  readonly byAccessKey: (accessKey: string) => Effect.Effect<Option.Option<User>>
  readonly add: (user: User) => Effect.Effect<void, UserAlreadyExists>
  readonly save: (user: User) => Effect.Effect<void, Conflict>
  /** In creation order (then id): a stable order for lists. */
  readonly list: (query: UserListQuery) => Effect.Effect<ReadonlyArray<User>>
  readonly count: Effect.Effect<number>
}>() {}
