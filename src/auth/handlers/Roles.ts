import { Effect } from "effect"
import { newUuid } from "../../kernel/Ids.js"
import { handled } from "../../kernel/MessageBus.js"
import type { AttachRolePermissions, CreateRole, DetachRolePermissions } from "../Commands.js"
import { RoleId } from "../domain/Ids.js"
import * as Role from "../domain/Role.js"
import { RoleRepository } from "../ports/RoleRepository.js"
import { catalogueGrants, now, roleByCode } from "./Lookups.js"

export const createRole = Effect.fn("CreateRole")(function*(command: CreateRole) {
  const permissions = yield* catalogueGrants(command.permissions)
  const decision = yield* Role.create({ ...command, id: RoleId(yield* newUuid), permissions, now: yield* now })
  yield* Effect.flatMap(RoleRepository, (roles) => roles.add(decision.state))
  return handled(decision.state, decision.events)
})

export const attachRolePermissions = Effect.fn("AttachRolePermissions")(function*(command: AttachRolePermissions) {
  const role = yield* roleByCode(command.code)
  const decision = Role.attachPermissions(role, yield* catalogueGrants(command.permissions))
  yield* Effect.flatMap(RoleRepository, (roles) => roles.save(decision.state))
  return handled(undefined, decision.events)
})

export const detachRolePermissions = Effect.fn("DetachRolePermissions")(function*(command: DetachRolePermissions) {
  const role = yield* roleByCode(command.code)
  const decision = Role.detachPermissions(role, yield* catalogueGrants(command.permissions))
  yield* Effect.flatMap(RoleRepository, (roles) => roles.save(decision.state))
  return handled(undefined, decision.events)
})
