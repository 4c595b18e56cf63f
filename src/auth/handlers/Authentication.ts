import { Effect, Option } from "effect"
import { handled, inTwoPhases } from "../../kernel/MessageBus.js"
import type { Authenticate } from "../Commands.js"
import { WrongCredentials } from "../domain/Errors.js"
import type { User } from "../domain/User.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"
import { UserRepository } from "../ports/UserRepository.js"
import { startSession } from "./Sessions.js"

/**
 * Checks the credentials, before the unit of work: a hash takes ~8 ms of a core (more under load), and
 * inside it would hold a database connection (on PGlite, the one session) all that time. An unknown
 * account still costs one password verification, and both failures are the same error, so neither
 * timing nor answer tells them apart.
 */
const checkCredentials = Effect.fn("CheckCredentials")(function*(command: Authenticate) {
  const found = yield* Effect.flatMap(UserRepository, (users) => users.byAccessKey(command.accessKey))
  const hasher = yield* PasswordHasher
  const matches = yield* hasher.verify(command.password, Option.getOrUndefined(Option.map(found, (user) => user.passwordHash)))
  if (!matches || Option.isNone(found)) return yield* new WrongCredentials()
  return found.value
})

/** Starts a session (an access token and its refresh token) for the user whose credentials matched. */
const signIn = Effect.fn("Authenticate")(function*(user: User) {
  return handled({ user, token: yield* startSession(user.id) }, [])
})

export const authenticate = inTwoPhases(checkCredentials, signIn)
