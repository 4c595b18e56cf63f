import { Effect, Layer, Option } from "effect"
import { Conflict } from "../../../kernel/Errors.js"
import { UserAlreadyExists } from "../../domain/Errors.js"
import type { User } from "../../domain/User.js"
import * as Permission from "../../domain/Permission.js"
import { UserRepository } from "../../ports/UserRepository.js"

const byCreation = (a: User, b: User) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** What SQL would read back: grants as a canonical set. */
const stored = (user: User, version: number): User => ({ ...user, permissions: Permission.normalize(user.permissions), version })

/** Check-and-write steps run synchronously inside one `Effect.suspend`, so they are atomic like a row lock. */
export const layer: Layer.Layer<UserRepository> = Layer.sync(UserRepository, () => {
  const users = new Map<string, User>()
  const find = (predicate: (user: User) => boolean) => Option.fromNullable([...users.values()].find(predicate))
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
        if (users.get(user.id)?.version !== user.version) return new Conflict({ aggregate: "User", id: user.id })
        users.set(user.id, stored(user, user.version + 1))
        return Effect.void
      }),
    list: ({ limit }) => Effect.sync(() => [...users.values()].sort(byCreation).slice(0, limit)),
    count: Effect.sync(() => users.size)
  })
})
