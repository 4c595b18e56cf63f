import { Effect, Layer, Option } from "effect"
import * as Grant from "../../../access/Grant.js"
import { windowOf } from "../../../kernel/Connection.js"
import { Conflict } from "../../../kernel/Errors.js"
import { compareStrings } from "../../../kernel/Order.js"
import { RoleAlreadyExists, RoleInUse } from "../../domain/Errors.js"
import type { Role } from "../../domain/Role.js"
import { type RoleFilter, type RoleKey, RoleRepository } from "../../ports/RoleRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"

const compare = (role: Role, code: RoleKey) => compareStrings(role.code, code)

const matches = (filter: RoleFilter) => (role: Role) =>
  role.name.toLowerCase().includes(filter.name.toLowerCase()) &&
  (filter.codes === undefined || filter.codes.includes(role.code))

/** What SQL would read back: grants as a canonical set. */
const stored = (role: Role, version: number): Role => ({ ...role, permissions: Grant.normalize(role.permissions), version })

/**
 * Check-and-write steps run synchronously inside one `Effect.suspend`, so they are atomic like a row
 * lock. The users' repository stands in for SQL's foreign key from users to roles.
 */
export const layer: Layer.Layer<RoleRepository, never, UserRepository> = Layer.effect(RoleRepository, Effect.gen(function*() {
  const users = yield* UserRepository
  const roles = new Map<string, Role>()
  const byCode = (code: string) => Option.fromNullable([...roles.values()].find((role) => role.code === code))
  const unchanged = (role: Role) => roles.get(role.id)?.version === role.version
  return RoleRepository.of({
    byId: (id) => Effect.sync(() => Option.fromNullable(roles.get(id))),
    byIds: (ids) => Effect.sync(() => ids.flatMap((id) => Option.toArray(Option.fromNullable(roles.get(id))))),
    byCode: (code) => Effect.sync(() => byCode(code)),
    add: (role) =>
      Effect.suspend(() => {
        if (Option.isSome(byCode(role.code))) return new RoleAlreadyExists({ code: role.code })
        roles.set(role.id, stored(role, 1))
        return Effect.void
      }),
    save: (role) =>
      Effect.suspend(() => {
        if (!unchanged(role)) return new Conflict({ aggregate: "Role", id: role.id })
        roles.set(role.id, stored(role, role.version + 1))
        return Effect.void
      }),
    remove: (role) =>
      Effect.flatMap(users.count({ roleId: role.id }), (holders): Effect.Effect<void, Conflict | RoleInUse> => {
        if (!unchanged(role)) return new Conflict({ aggregate: "Role", id: role.id })
        if (holders > 0) return new RoleInUse({ code: role.code })
        roles.delete(role.id)
        return Effect.void
      }),
    page: (query, filter) =>
      Effect.sync(() => {
        const sorted = [...roles.values()].filter(matches(filter)).sort((a, b) => compare(a, b.code))
        return windowOf(sorted, compare, query)
      }),
    count: (filter) => Effect.sync(() => [...roles.values()].filter(matches(filter)).length)
  })
}))
