/**
 * The one table from a failure's tag to the `extensions.code` clients branch on. A typed failure whose
 * tag is listed keeps its message; anything else (defects, interruptions, unlisted tags) is logged in
 * full and answered only as INTERNAL_SERVER_ERROR, so no internals reach the client.
 */
import { Cause, Effect, Option } from "effect"
import { GraphQLError } from "./GraphQLJs.js"

export const codes = {
  UserNotFound: "USER_NOT_FOUND",
  UserAlreadyExists: "USER_ALREADY_EXISTS",
  RoleNotFound: "ROLE_NOT_FOUND",
  RoleAlreadyExists: "ROLE_ALREADY_EXISTS",
  RoleInUse: "ROLE_IN_USE",
  InvalidEmail: "INVALID_EMAIL",
  WrongCredentials: "WRONG_CREDENTIALS",
  InvalidToken: "INVALID_TOKEN",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  NotGrantable: "FORBIDDEN",
  UnknownPermissions: "BAD_USER_INPUT",
  InvalidInput: "BAD_USER_INPUT",
  InvalidArgument: "BAD_USER_INPUT",
  ParseError: "BAD_USER_INPUT",
  Conflict: "CONFLICT"
} as const satisfies Record<string, string>

export type ErrorCode = (typeof codes)[keyof typeof codes] | "INTERNAL_SERVER_ERROR"

export const internalMessage = "Internal server error"

export const internalError = (): GraphQLError =>
  new GraphQLError(internalMessage, { extensions: { code: "INTERNAL_SERVER_ERROR" satisfies ErrorCode } })

const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null || !("_tag" in error) || typeof error._tag !== "string") return undefined
  return Object.hasOwn(codes, error._tag) ? codes[error._tag as keyof typeof codes] : undefined
}

/**
 * The client's view of a failed resolver. Run inside the request's fiber, so the log line carries its
 * request id (and span) for finding the full cause later.
 */
export const toGraphQLError = (cause: Cause.Cause<unknown>): Effect.Effect<GraphQLError> => {
  const failure = Cause.failureOption(cause)
  const code = Option.flatMapNullable(failure, codeOf)
  if (Option.isSome(failure) && Option.isSome(code)) {
    const error = failure.value
    const message = error instanceof Error ? error.message : String(error)
    return Effect.succeed(new GraphQLError(message, { extensions: { code: code.value } }))
  }
  return Effect.as(Effect.logError("GraphQL resolver failed", cause), internalError())
}
