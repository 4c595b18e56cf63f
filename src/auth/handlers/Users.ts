import { Effect, Redacted } from "effect"
import * as Grant from "../../access/Grant.js"
import { handled } from "../../kernel/MessageBus.js"
import { newUuid } from "../../kernel/Ids.js"
import type { AttachUserPermissions, CreateUser, DeleteUser, DetachUserPermissions, SetUserRole } from "../Commands.js"
import { UserId } from "../domain/Ids.js"
import * as User from "../domain/User.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"
import { UserRepository } from "../ports/UserRepository.js"
import { grantable, handOut, now, roleByCode, userByAccessKey } from "./Lookups.js"
import { changeUserGrants } from "./Revocations.js"

export const createUser = Effect.fn("CreateUser")(function*(command: CreateUser) {
  const users = yield* UserRepository
  const input = yield* User.checkRegistration({ ...command, password: Redacted.value(command.password) })
  const passwordHash = yield* Effect.flatMap(PasswordHasher, (hasher) => hasher.hash(command.password))
  const decision = User.register({ ...input, id: UserId(yield* newUuid), passwordHash, now: yield* now })
  yield* users.add(decision.state)
  return handled(decision.state, decision.events)
})

export const attachUserPermissions = Effect.fn("AttachUserPermissions")(function*(command: AttachUserPermissions) {
  const user = yield* userByAccessKey(command.accessKey)
  const decision = User.attachPermissions(user, yield* grantable(command.permissions))
  yield* Effect.flatMap(UserRepository, (users) => users.save(decision.state))
  return handled(undefined, decision.events)
})

export const detachUserPermissions = Effect.fn("DetachUserPermissions")(function*(command: DetachUserPermissions) {
  const user = yield* userByAccessKey(command.accessKey)
  const decision = User.detachPermissions(user, yield* grantable(command.permissions))
  yield* changeUserGrants(user, (throughRole) => Grant.union(decision.state.permissions, throughRole))
  yield* Effect.flatMap(UserRepository, (users) => users.save(decision.state))
  return handled(undefined, decision.events)
})

export const setUserRole = Effect.fn("SetUserRole")(function*(command: SetUserRole) {
  const user = yield* userByAccessKey(command.userAccessKey)
  const role = yield* roleByCode(command.roleCode)
  // Holding a role is holding its grants: assigning one hands them out.
  yield* handOut(role.permissions)
  const decision = User.setRole(user, role, command.overridePermissions)
  // Replacing a role, or overriding the user's own grants with its copy, takes away what they held.
  yield* changeUserGrants(user, () => Grant.union(decision.state.permissions, role.permissions))
  yield* Effect.flatMap(UserRepository, (users) => users.save(decision.state))
  return handled(undefined, decision.events)
})

export const deleteUser = Effect.fn("DeleteUser")(function*(command: DeleteUser) {
  const user = yield* userByAccessKey(command.accessKey)
  const decision = User.remove(user)
  yield* changeUserGrants(user, () => [])
  yield* Effect.flatMap(UserRepository, (users) => users.remove(decision.state))
  return handled(undefined, decision.events)
})
