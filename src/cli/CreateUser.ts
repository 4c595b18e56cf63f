import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { CreateUser } from "../auth/Commands.js"
import { dispatch } from "../auth/handlers/Handlers.js"
import * as Password from "./Password.js"
import * as Services from "./Services.js"

const accessKey = Args.text({ name: "access-key" }).pipe(Args.withDescription("The new user's access key (what they sign in with)"))
const email = Options.text("email").pipe(Options.withDescription("Their e-mail address (the welcome mail and reset links go there)"))
const name = Options.text("name").pipe(Options.withDescription("Their display name (default: the access key)"), Options.optional)

/** The same command as the createUser mutation, through the bus: the UserCreated event lands in the outbox. */
export const command = Command.make("create-user", { email, name, passwordFile: Password.fileOption, accessKey }, (input) =>
  Effect.gen(function*() {
    const password = yield* Password.read(input.passwordFile)
    const name = Option.getOrElse(input.name, () => input.accessKey)
    yield* dispatch(new CreateUser({ accessKey: input.accessKey, email: input.email, name, password })).pipe(Effect.provide(Services.auth))
    yield* Console.log(`User ${input.accessKey} created`)
  })).pipe(Command.withDescription("Create a user (the password is read from --password-file, piped input, or a prompt)"))
