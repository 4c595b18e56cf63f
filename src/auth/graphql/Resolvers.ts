/**
 * The auth module's root fields, kept thin: decode the arguments into a command or query input,
 * dispatch it or read it, and shape the answer. Access rules live in schema.graphql (Directives.ts).
 */
import { Effect, Option, Schema } from "effect"
import { currentPrincipal, type ModuleApi, type RootResolver } from "../../graphql/Context.js"
import { checkPageSize } from "../../kernel/Paging.js"
import type { UnitOfWork } from "../../kernel/UnitOfWork.js"
import * as Commands from "../Commands.js"
import { WrongCredentials } from "../domain/Errors.js"
import { actions } from "../domain/Permission.js"
import { dispatch } from "../handlers/Handlers.js"
import type { Mailer } from "../ports/Mailer.js"
import type { PasswordHasher } from "../ports/PasswordHasher.js"
import type { PermissionCatalogue } from "../ports/PermissionCatalogue.js"
import type { ResetTokenRepository } from "../ports/ResetTokenRepository.js"
import type { RoleRepository } from "../ports/RoleRepository.js"
import type { TokenIssuer } from "../ports/TokenIssuer.js"
import type { UserRepository } from "../ports/UserRepository.js"
import * as Queries from "../Queries.js"
import type { AuthSettings } from "../Settings.js"
import * as Views from "./Views.js"

/** Everything the auth API needs from the composition root. */
export type AuthServices =
  | UserRepository
  | RoleRepository
  | PermissionCatalogue
  | ResetTokenRepository
  | PasswordHasher
  | TokenIssuer
  | Mailer
  | AuthSettings
  | UnitOfWork

const withArgs = <A, I, R>(
  schema: Schema.Schema<A, I>,
  resolve: (args: A) => Effect.Effect<unknown, unknown, R>
): RootResolver<R> =>
(args) => Effect.flatMap(Schema.decodeUnknown(schema)(args), resolve)

/** Decodes the `command` argument into the command class of the same name (tag added here, not by clients). */
const withCommand = <S extends Schema.Schema.AnyNoContext & { readonly _tag: string }, R>(
  command: S,
  resolve: (command: Schema.Schema.Type<S>) => Effect.Effect<unknown, unknown, R>
): RootResolver<R> =>
(args) => Effect.flatMap(Schema.decodeUnknown(command)({ ...(args["command"] as object), _tag: command._tag }), resolve)

const Limit = Schema.Number
const orNull = <A, B>(toView: (a: A) => B) => Option.match({ onNone: () => null, onSome: toView })
const page = (limit: number) => checkPageSize("limit", limit)

const answer = (status: Views.CommandStatus, message: string) => Effect.as(Views.commandResponse(status, message))

/** One answer whether or not the account exists, so the field cannot be used to find accounts. */
const resetPasswordMessage = "If the account exists, a link to reset its password has been sent to its e-mail address"

export const api: ModuleApi<AuthServices> = {
  name: "auth",
  sdlFile: new URL("./schema.graphql", import.meta.url),
  Query: {
    me: () =>
      Effect.flatMap(currentPrincipal, (principal) => Queries.userById(principal.userId)).pipe(Effect.map(orNull(Views.user))),
    user: withArgs(Schema.Struct({ accessKey: Schema.String }), ({ accessKey }) =>
      Effect.map(Queries.userByAccessKey(accessKey), orNull(Views.user))),
    users: withArgs(Schema.Struct({ limit: Limit }), ({ limit }) =>
      page(limit).pipe(Effect.flatMap(Queries.users), Effect.map((users) => users.map(Views.user)))),
    role: withArgs(Schema.Struct({ code: Schema.String }), ({ code }) => Effect.map(Queries.role(code), orNull(Views.role))),
    roles: withArgs(Schema.Struct({ name: Schema.String, limit: Limit }), ({ limit, name }) =>
      page(limit).pipe(Effect.flatMap((limit) => Queries.roles(name, limit)), Effect.map((roles) => roles.map(Views.role)))),
    permissions: withArgs(
      Schema.Struct({
        resource: Schema.optional(Schema.NullOr(Schema.String)),
        action: Schema.optional(Schema.NullOr(Schema.Literal(...actions))),
        limit: Limit
      }),
      ({ action, limit, resource }) =>
        page(limit).pipe(
          Effect.flatMap((limit) => Queries.permissions({ resource: resource ?? undefined, action: action ?? undefined }, limit)),
          Effect.map((grants) => grants.map(Views.permission))
        )
    )
  },
  Mutation: {
    createUser: withCommand(Commands.CreateUser, (command) =>
      dispatch(command).pipe(answer("USER_CREATED", `User ${command.accessKey} created`))),
    authenticate: withCommand(Commands.Authenticate, (command) =>
      Effect.gen(function*() {
        const { token, user } = yield* dispatch(command)
        // Deleted between the check and this read: the credentials no longer name anyone.
        const view = yield* Effect.flatMap(Queries.userById(user.id), Option.match({
          onNone: () => Effect.fail(new WrongCredentials()),
          onSome: Effect.succeed
        }))
        return Views.authenticatedUser(view, token)
      })),
    resetPassword: withCommand(Commands.ResetPassword, (command) =>
      dispatch(command).pipe(answer("EMAIL_RESET_PWD_SENT", resetPasswordMessage))),
    changePassword: withCommand(Commands.ChangePassword, (command) =>
      dispatch(command).pipe(answer("PWD_CHANGED", "Password changed"))),
    createRole: withCommand(Commands.CreateRole, (command) =>
      dispatch(command).pipe(answer("ROLE_CREATED", `Role ${command.code} created`))),
    attachRolePermissions: withCommand(Commands.AttachRolePermissions, (command) =>
      dispatch(command).pipe(answer("PERMISSIONS_ATTACHED", `Permissions attached to role ${command.code}`))),
    detachRolePermissions: withCommand(Commands.DetachRolePermissions, (command) =>
      dispatch(command).pipe(answer("PERMISSIONS_DETACHED", `Permissions detached from role ${command.code}`))),
    attachUserPermissions: withCommand(Commands.AttachUserPermissions, (command) =>
      dispatch(command).pipe(answer("PERMISSIONS_ATTACHED", `Permissions attached to user ${command.accessKey}`))),
    detachUserPermissions: withCommand(Commands.DetachUserPermissions, (command) =>
      dispatch(command).pipe(answer("PERMISSIONS_DETACHED", `Permissions detached from user ${command.accessKey}`))),
    setUserRole: withCommand(Commands.SetUserRole, (command) =>
      dispatch(command).pipe(answer("USER_ROLE_SET", `User ${command.userAccessKey} now has role ${command.roleCode}`)))
  }
}
