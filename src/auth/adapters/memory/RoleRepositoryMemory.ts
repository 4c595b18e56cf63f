import { Effect, Layer, Option } from "effect"
import { Conflict } from "../../../kernel/Errors.js"
import { RoleAlreadyExists } from "../../domain/Errors.js"
import type { Role } from "../../domain/Role.js"
import * as Permission from "../../domain/Permission.js"
import { RoleRepository } from "../../ports/RoleRepository.js"

/** What SQL would read back: grants as a canonical set. */
const stored = (role: Role, version: number): Role => ({ ...role, permissions: Permission.normalize(role.permissions), version })

/** Check-and-write steps run synchronously inside one `Effect.suspend`, so they are atomic like a row lock. */
export const layer: Layer.Layer<RoleRepository> = Layer.sync(RoleRepository, () => {
  const roles = new Map<string, Role>()
  const byCode = (code: string) => Option.fromNullable([...roles.values()].find((role) => role.code === code))
  return RoleRepository.of({
    byId: (id) => Effect.sync(() => Option.fromNullable(roles.get(id))),
    byCode: (code) => Effect.sync(() => byCode(code)),
    add: (role) =>
      Effect.suspend(() => {
        if (Option.isSome(byCode(role.code))) return new RoleAlreadyExists({ code: role.code })
        roles.set(role.id, stored(role, 1))
        return Effect.void
      }),
    save: (role) =>
      Effect.suspend(() => {
        if (roles.get(role.id)?.version !== role.version) return new Conflict({ aggregate: "Role", id: role.id })
        roles.set(role.id, stored(role, role.version + 1))
        return Effect.void
      }),
    list: ({ limit, name }) =>
      Effect.sync(() =>
        [...roles.values()]
          .filter((role) => role.name.toLowerCase().includes(name.toLowerCase()))
          .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
          .slice(0, limit)
      )
  })
})
