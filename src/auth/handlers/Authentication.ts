import { Effect, Option } from "effect"
import { handled } from "../../kernel/MessageBus.js"
import type { Authenticate } from "../Commands.js"
import { WrongCredentials } from "../domain/Errors.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"
import { UserRepository } from "../ports/UserRepository.js"
import { startSession } from "./Sessions.js"

/**
 * Checks the credentials and starts a session (an access token and its refresh token). An unknown
 * account still costs one password verification, and both failures are the same error, so neither
 * timing nor answer tells them apart.
 */
export const authenticate = Effect.fn("Authenticate")(function*(command: Authenticate) {
  const found = yield* Effect.flatMap(UserRepository, (users) => users.byAccessKey(command.accessKey))
  const hasher = yield* PasswordHasher
  const matches = yield* hasher.verify(command.password, Option.getOrUndefined(Option.map(found, (user) => user.passwordHash)))
  if (!matches || Option.isNone(found)) return yield* new WrongCredentials()
  return handled({ user: found.value, token: yield* startSession(found.value.id) }, [])
})
