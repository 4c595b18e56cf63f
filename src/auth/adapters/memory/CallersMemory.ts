import { Effect, Layer, Option } from "effect"
import { Callers } from "../../ports/Callers.js"
import { RoleRepository } from "../../ports/RoleRepository.js"
import { SessionRepository } from "../../ports/SessionRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"

/** The session, its user and their role, each from its own in-memory repository. */
export const layer: Layer.Layer<Callers, never, SessionRepository | UserRepository | RoleRepository> = Layer.effect(
  Callers,
  Effect.gen(function*() {
    const sessions = yield* SessionRepository
    const users = yield* UserRepository
    const roles = yield* RoleRepository
    return Callers.of({
      bySession: (id) =>
        Effect.gen(function*() {
          const session = yield* sessions.byId(id)
          if (Option.isNone(session)) return Option.none()
          const user = yield* users.byId(session.value.userId)
          if (Option.isNone(user)) return Option.none()
          const roleId = user.value.roleId
          const role = roleId === null ? Option.none() : yield* roles.byId(roleId)
          return Option.some({ session: session.value, user: user.value, role })
        })
    })
  })
)
