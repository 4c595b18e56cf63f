import { Effect, Layer, Option } from "effect"
import * as Grant from "../../../access/Grant.js"
import * as Administrators from "../../domain/Administrators.js"
import { Administrators as AdministratorsPort } from "../../ports/Administrators.js"
import { PermissionCatalogue } from "../../ports/PermissionCatalogue.js"
import { RoleRepository } from "../../ports/RoleRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"

const everyone = { direction: "forward", size: Number.MAX_SAFE_INTEGER, after: Option.none(), before: Option.none() } as const

/**
 * Every user tested by the domain's own rule. No lock is needed: the in-memory unit of work runs one
 * command at a time.
 */
export const layer: Layer.Layer<AdministratorsPort, never, UserRepository | RoleRepository | PermissionCatalogue> = Layer.effect(
  AdministratorsPort,
  Effect.gen(function*() {
    const users = yield* UserRepository
    const roles = yield* RoleRepository
    const catalogue = yield* PermissionCatalogue
    return AdministratorsPort.of({
      locked: Effect.gen(function*() {
        const all = (yield* users.page(everyone, {})).rows
        const held = new Map((yield* roles.byIds(all.flatMap((user) => user.roleId ?? []))).map((role) => [role.id, role.permissions]))
        const permissions = yield* catalogue.all
        return all.filter((user) =>
          Administrators.isAdministrator(permissions, Grant.union(user.permissions, user.roleId === null ? [] : held.get(user.roleId) ?? []))
        )
      })
    })
  })
)
