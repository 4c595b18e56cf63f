/**
 * The auth module's root fields, kept thin: decode the arguments into a command or query input,
 * dispatch it or read it, and shape the answer. Access rules live in schema.graphql (Directives.ts).
 */
import { Effect, Option, Schema } from "effect"
import { actions } from "../../access/Permission.js"
import { optional, PageArguments, withArgs, withCommand } from "../../graphql/Arguments.js"
import { currentPrincipal, endSession, FieldAccess, type ModuleApi } from "../../graphql/Context.js"
import { connectionView, totalCounts } from "../../graphql/ConnectionView.js"
import type { CommitSignal } from "../../kernel/CommitSignal.js"
import type { Outbox } from "../../kernel/Outbox.js"
import type { UnitOfWork } from "../../kernel/UnitOfWork.js"
import * as Actor from "../Actor.js"
import { CurrentActor } from "../Actor.js"
import { callerOf } from "../Authentication.js"
import * as Commands from "../Commands.js"
import { SessionId } from "../domain/Ids.js"
import { dispatch } from "../handlers/Handlers.js"
import type { Administrators } from "../ports/Administrators.js"
import type { Mailer } from "../ports/Mailer.js"
import type { PasswordHasher } from "../ports/PasswordHasher.js"
import type { PermissionCatalogue } from "../ports/PermissionCatalogue.js"
import type { ResetTokenRepository } from "../ports/ResetTokenRepository.js"
import type { RoleRepository } from "../ports/RoleRepository.js"
import type { SessionRepository } from "../ports/SessionRepository.js"
import type { TokenIssuer } from "../ports/TokenIssuer.js"
import type { UserRepository } from "../ports/UserRepository.js"
import * as Queries from "../Queries.js"
import type { AuthSettings, SessionSettings } from "../Settings.js"
import type { Throttle } from "../Throttle.js"
import * as Fields from "./Fields.js"
import * as Throttled from "./Throttled.js"
import * as Views from "./Views.js"

/** Everything the auth API needs from the composition root. */
export type AuthServices =
  | UserRepository
  | Administrators
  | RoleRepository
  | PermissionCatalogue
  | ResetTokenRepository
  | PasswordHasher
  | TokenIssuer
  | SessionRepository
  | SessionSettings
  | Mailer
  | AuthSettings
  | Throttle
  | UnitOfWork
  | Outbox
  | CommitSignal

/** Runs a command that hands out access as the signed-in caller, so their own grants bound it (Actor.ts). */
const asCaller = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideServiceEffect(effect, CurrentActor, Effect.map(currentPrincipal, (principal) => Actor.caller(principal.policy)))

const orNull = <A, B>(toView: (a: A) => B) => Option.match({ onNone: () => null, onSome: toView })

const answer = (status: Views.CommandStatus, message: string) => Effect.as(Views.commandResponse(status, message))

/** One answer whether or not the account exists, so the field cannot be used to find accounts. */
const resetPasswordMessage = "If the account exists, a link to reset its password has been sent to its e-mail address"

export const api: ModuleApi<AuthServices> = {
  name: "auth",
  sdlFile: new URL("./schema.graphql", import.meta.url),
  Query: {
    // The caller was read with the session (one statement): nothing more to read.
    me: () => Effect.map(Effect.map(currentPrincipal, callerOf), ({ role, user }) => Views.caller(user, role)),
    user: withArgs(Schema.Struct({ accessKey: Schema.String }), ({ accessKey }) =>
      Effect.map(Queries.userByAccessKey(accessKey), orNull(Views.user))),
    users: withArgs(Schema.Struct(PageArguments), (args) =>
      Effect.flatMap(FieldAccess, (access) => Queries.users(args, access)).pipe(
        Effect.map((connection) => connectionView(connection, Views.user))
      )),
    role: withArgs(Schema.Struct({ code: Schema.String }), ({ code }) => Effect.map(Queries.roleByCode(code), orNull(Views.role))),
    roles: withArgs(Schema.Struct({ ...PageArguments, name: Schema.String }), ({ name, ...args }) =>
      Effect.flatMap(FieldAccess, (access) => Queries.roles(args, name, access)).pipe(
        Effect.map((connection) => connectionView(connection, Views.role))
      )),
    permissions: withArgs(
      Schema.Struct({ ...PageArguments, resource: optional(Schema.String), action: optional(Schema.Literal(...actions)) }),
      ({ action, resource, ...args }) =>
        Effect.map(
          Queries.permissions(args, { resource: resource ?? undefined, action: action ?? undefined }),
          (connection) => connectionView(connection, Views.permission)
        )
    )
  },
  Mutation: {
    createUser: withCommand(Commands.CreateUser, (command) =>
      dispatch(command).pipe(answer("USER_CREATED", `User ${command.accessKey} created`))),
    authenticate: withCommand(Commands.Authenticate, (command) =>
      Effect.map(Throttled.signIn(command.accessKey, dispatch(command)), ({ token, user }) => Views.authenticatedUser(user, token))),
    resetPassword: withCommand(Commands.ResetPassword, (command) =>
      Throttled.resetPassword(command.accessKey, dispatch(command)).pipe(answer("EMAIL_RESET_PWD_SENT", resetPasswordMessage))),
    changePassword: withCommand(Commands.ChangePassword, (command) =>
      Throttled.changePassword(command.token, dispatch(command)).pipe(answer("PWD_CHANGED", "Password changed"))),
    // The handler answers a refusal as a value (its reuse revocation must commit); failed here, after the commit.
    refreshToken: withCommand(Commands.RefreshToken, (command) => Effect.map(Effect.flatten(dispatch(command)), Views.token)),
    // Committed, the session ends for the rest of the document too: the mutation fields after it run without a caller.
    logout: () =>
      Effect.flatMap(currentPrincipal, (principal) =>
        dispatch(new Commands.Logout({ sessionId: SessionId(principal.sessionId) })).pipe(Effect.zipRight(endSession(principal)))).pipe(
          answer("LOGGED_OUT", "Signed out: the session's tokens no longer work")
        ),
    createRole: withCommand(Commands.CreateRole, (command) =>
      asCaller(dispatch(command)).pipe(answer("ROLE_CREATED", `Role ${command.code} created`))),
    attachRolePermissions: withCommand(Commands.AttachRolePermissions, (command) =>
      asCaller(dispatch(command)).pipe(answer("PERMISSIONS_ATTACHED", `Permissions attached to role ${command.code}`))),
    detachRolePermissions: withCommand(Commands.DetachRolePermissions, (command) =>
      asCaller(dispatch(command)).pipe(answer("PERMISSIONS_DETACHED", `Permissions detached from role ${command.code}`))),
    attachUserPermissions: withCommand(Commands.AttachUserPermissions, (command) =>
      asCaller(dispatch(command)).pipe(answer("PERMISSIONS_ATTACHED", `Permissions attached to user ${command.accessKey}`))),
    detachUserPermissions: withCommand(Commands.DetachUserPermissions, (command) =>
      asCaller(dispatch(command)).pipe(answer("PERMISSIONS_DETACHED", `Permissions detached from user ${command.accessKey}`))),
    setUserRole: withCommand(Commands.SetUserRole, (command) =>
      asCaller(dispatch(command)).pipe(answer("USER_ROLE_SET", `User ${command.userAccessKey} now has role ${command.roleCode}`))),
    deleteUser: withCommand(Commands.DeleteUser, (command) =>
      asCaller(dispatch(command)).pipe(answer("USER_DELETED", `User ${command.accessKey} deleted`))),
    deleteRole: withCommand(Commands.DeleteRole, (command) =>
      asCaller(dispatch(command)).pipe(answer("ROLE_DELETED", `Role ${command.code} deleted`)))
  },
  types: { ...Fields.types, ...totalCounts<AuthServices>("UserConnection", "RoleConnection", "PermissionConnection") }
}
