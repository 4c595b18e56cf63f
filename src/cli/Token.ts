import { Args, Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { startSession } from "../auth/handlers/Sessions.js"
import { userByAccessKey } from "../auth/handlers/Lookups.js"
import { UnitOfWork } from "../kernel/UnitOfWork.js"
import * as Services from "./Services.js"

const accessKey = Args.text({ name: "access-key" }).pipe(Args.withDescription("The user the token speaks for"))

/**
 * Signs the user in without a password, as an operator may: a session like the one `authenticate`
 * starts (so `logout` or a password change ends it), and only its access token on stdout, for
 * `TOKEN=$(npx kingdom token alice)`. It lasts JWT_TTL; the refresh token is not shown.
 */
export const command = Command.make("token", { accessKey }, ({ accessKey }) =>
  Effect.gen(function*() {
    const user = yield* userByAccessKey(accessKey)
    const issued = yield* Effect.flatMap(UnitOfWork, (uow) => uow.transactional(startSession(user.id)))
    yield* Console.log(issued.access.value)
  }).pipe(Effect.provide(Services.tokens))).pipe(
    Command.withDescription("Print an access token for a user (a new session; valid for JWT_TTL)")
  )
