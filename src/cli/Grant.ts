import { Args, Command, Options } from "@effect/cli"
import { Array, Console, Effect, Either, Option } from "effect"
import { type Action, actions } from "../access/Permission.js"
import { AttachUserPermissions, SetUserRole } from "../auth/Commands.js"
import { dispatch } from "../auth/handlers/Handlers.js"
import * as Services from "./Services.js"
import { UsageError } from "./UsageError.js"

const accessKey = Args.text({ name: "access-key" }).pipe(Args.withDescription("The user who receives the grant"))
const permissions = Args.text({ name: "permission" }).pipe(
  Args.withDescription(`resource:ACTION, ACTION one of ${actions.join(", ")} (e.g. user:LIST)`),
  Args.repeated
)
const scope = Options.text("scope").pipe(
  Options.withDescription("Limit the permissions to this instance (an access key, a role code, or * for all); repeat for more"),
  Options.repeated
)
const role = Options.text("role").pipe(Options.withDescription("Give the user this role instead"), Options.optional)
const replace = Options.boolean("replace-permissions").pipe(
  Options.withDescription("With --role: the user's own permissions become a copy of the role's")
)

const isAction = (text: string): text is Action => (actions as ReadonlyArray<string>).includes(text)

/** `user:LIST` as the command's permission input; the catalogue and the handler check the rest. */
const parsePermission = (text: string, scope: ReadonlyArray<string>) => {
  const [resource, action, ...rest] = text.split(":")
  const upper = action?.toUpperCase() ?? ""
  return resource === undefined || resource === "" || rest.length > 0 || !isAction(upper)
    ? Either.left(new UsageError({ reason: `${JSON.stringify(text)} is not a permission: write resource:ACTION, ACTION one of ${actions.join(", ")}` }))
    : Either.right({ resource, action: upper, isConditional: scope.length > 0, scope })
}

interface Input {
  readonly accessKey: string
  readonly permissions: ReadonlyArray<string>
  readonly scope: ReadonlyArray<string>
  readonly role: Option.Option<string>
  readonly replace: boolean
}

const grantRole = (input: Input, roleCode: string) =>
  Effect.gen(function*() {
    if (Array.isNonEmptyReadonlyArray(input.permissions) || Array.isNonEmptyReadonlyArray(input.scope)) {
      return yield* new UsageError({ reason: "give either --role or permissions (with --scope), not both" })
    }
    yield* dispatch(new SetUserRole({ userAccessKey: input.accessKey, roleCode, overridePermissions: input.replace })).pipe(
      Effect.provide(Services.auth)
    )
    yield* Console.log(`User ${input.accessKey} now has role ${roleCode}`)
  })

const grantPermissions = (input: Input) =>
  Effect.gen(function*() {
    if (!Array.isNonEmptyReadonlyArray(input.permissions)) return yield* new UsageError({ reason: "name at least one permission (resource:ACTION), or --role" })
    if (input.replace) return yield* new UsageError({ reason: "--replace-permissions goes with --role" })
    const parsed = yield* Effect.forEach(input.permissions, (text) => parsePermission(text, input.scope))
    yield* dispatch(new AttachUserPermissions({ accessKey: input.accessKey, permissions: parsed })).pipe(Effect.provide(Services.auth))
    const scoped = input.scope.length === 0 ? "" : ` on ${input.scope.join(", ")}`
    yield* Console.log(`Granted ${input.permissions.join(", ")}${scoped} to ${input.accessKey}`)
  })

/**
 * The attachUserPermissions and setUserRole mutations' commands, through the bus, as the system; the
 * arguments are checked before the database opens.
 */
export const command = Command.make("grant", { scope, role, replace, accessKey, permissions }, (input) =>
  Effect.gen(function*() {
    if (Option.isSome(input.role)) return yield* grantRole(input, input.role.value)
    return yield* grantPermissions(input)
  })).pipe(Command.withDescription("Grant permissions (optionally limited to instances with --scope), or a role, to a user"))
