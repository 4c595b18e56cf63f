import { Effect, Layer, Option } from "effect"
import * as Grant from "../../../access/Grant.js"
import { windowOf } from "../../../kernel/Connection.js"
import { Conflict } from "../../../kernel/Errors.js"
import { compareStrings } from "../../../kernel/Order.js"
import { UserAlreadyExists } from "../../domain/Errors.js"
import type { User } from "../../domain/User.js"
import { keyOf, type UserFilter, type UserKey, UserRepository } from "../../ports/UserRepository.js"

const compare = (user: User, key: UserKey) =>
  user.createdAt.getTime() - key.createdAt.getTime() || compareStrings(user.id, key.id)

const matches = (filter: UserFilter) => (user: User) =>
  (filter.accessKeys === undefined || filter.accessKeys.includes(user.accessKey)) &&
  (filter.roleId === undefined || user.roleId === filter.roleId)

/** What SQL would read back: grants as a canonical set. */
const stored = (user: User, version: number): User => ({ ...user, permissions: Grant.normalize(user.permissions), version })

/** Check-and-write steps run synchronously inside one `Effect.suspend`, so they are atomic like a row lock. */
export const layer: Layer.Layer<UserRepository> = Layer.sync(UserRepository, () => {
  const users = new Map<string, User>()
  const find = (predicate: (user: User) => boolean) => Option.fromNullable([...users.values()].find(predicate))
  const unchanged = (user: User) => users.get(user.id)?.version === user.version
  return UserRepository.of({
    byId: (id) => Effect.sync(() => Option.fromNullable(users.get(id))),
    byAccessKey: (accessKey) => Effect.sync(() => find((user) => user.accessKey === accessKey)),
    add: (user) =>
      Effect.suspend(() => {
        if (Option.isSome(find((existing) => existing.accessKey === user.accessKey))) {
          return new UserAlreadyExists({ accessKey: user.accessKey })
        }
        users.set(user.id, stored(user, 1))
        return Effect.void
      }),
    save: (user) =>
      Effect.suspend(() => {
        if (!unchanged(user)) return new Conflict({ aggregate: "User", id: user.id })
        users.set(user.id, stored(user, user.version + 1))
        return Effect.void
      }),
    remove: (user) =>
      Effect.suspend(() => {
        if (!unchanged(user)) return new Conflict({ aggregate: "User", id: user.id })
        users.delete(user.id)
        return Effect.void
      }),
    page: (query, filter) =>
      Effect.sync(() => {
        const sorted = [...users.values()].filter(matches(filter)).sort((a, b) => compare(a, keyOf(b)))
        return windowOf(sorted, compare, query)
      }),
    count: (filter) => Effect.sync(() => [...users.values()].filter(matches(filter)).length)
  })
})
