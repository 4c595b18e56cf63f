import { Effect } from "effect"
import * as Grant from "../../access/Grant.js"
import { newUuid } from "../../kernel/Ids.js"
import { handled } from "../../kernel/MessageBus.js"
import type { AttachRolePermissions, CreateRole, DeleteRole, DetachRolePermissions } from "../Commands.js"
import { RoleId } from "../domain/Ids.js"
import * as Revocation from "../domain/Revocation.js"
import * as Role from "../domain/Role.js"
import { RoleRepository } from "../ports/RoleRepository.js"
import { UserRepository } from "../ports/UserRepository.js"
import { grantable, now, roleByCode } from "./Lookups.js"
import { keepAnAdministrator, takeAway } from "./Revocations.js"

export const createRole = Effect.fn("CreateRole")(function*(command: CreateRole) {
  const permissions = yield* grantable(command.permissions)
  const decision = yield* Role.create({ ...command, id: RoleId(yield* newUuid), permissions, now: yield* now })
  yield* Effect.flatMap(RoleRepository, (roles) => roles.add(decision.state))
  return handled(decision.state, decision.events)
})

export const attachRolePermissions = Effect.fn("AttachRolePermissions")(function*(command: AttachRolePermissions) {
  const role = yield* roleByCode(command.code)
  const decision = Role.attachPermissions(role, yield* grantable(command.permissions))
  yield* Effect.flatMap(RoleRepository, (roles) => roles.save(decision.state))
  return handled(undefined, decision.events)
})

export const detachRolePermissions = Effect.fn("DetachRolePermissions")(function*(command: DetachRolePermissions) {
  const role = yield* roleByCode(command.code)
  const decision = Role.detachPermissions(role, yield* grantable(command.permissions))
  const taken = Revocation.taken(role.permissions, decision.state.permissions)
  if (taken.length > 0) {
    yield* takeAway(taken)
    // Its holders keep their own grants beside the role's.
    yield* keepAnAdministrator((administrator) =>
      administrator.roleId === role.id ? Grant.union(administrator.permissions, decision.state.permissions) : undefined
    )
  }
  yield* Effect.flatMap(RoleRepository, (roles) => roles.save(decision.state))
  return handled(undefined, decision.events)
})

export const deleteRole = Effect.fn("DeleteRole")(function*(command: DeleteRole) {
  const role = yield* roleByCode(command.code)
  const holders = yield* Effect.flatMap(UserRepository, (users) => users.count({ roleId: role.id }))
  const decision = yield* Role.remove(role, holders)
  // Nobody holds it, but its grants go with it: only someone who holds them may end them.
  yield* takeAway(role.permissions)
  yield* Effect.flatMap(RoleRepository, (roles) => roles.remove(decision.state))
  return handled(undefined, decision.events)
})
