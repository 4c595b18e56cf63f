/**
 * The one table from a failure's tag to the `extensions.code` clients branch on. A typed failure whose
 * tag is listed keeps its message; anything else (defects, interruptions, unlisted tags) is logged in
 * full and answered only as INTERNAL_SERVER_ERROR, so no internals reach the client. Below it, the
 * codes of the request's own refusals (GraphQL over HTTP, graphql-js, the query limits, the timeout).
 */
import { Cause, Effect, Option } from "effect"
import { type RateLimited, retryAfterSeconds } from "../kernel/Errors.js"
import { GraphQLError } from "./GraphQLJs.js"

export const codes = {
  UserNotFound: "USER_NOT_FOUND",
  UserAlreadyExists: "USER_ALREADY_EXISTS",
  RoleNotFound: "ROLE_NOT_FOUND",
  RoleAlreadyExists: "ROLE_ALREADY_EXISTS",
  RoleInUse: "ROLE_IN_USE",
  OrganisationNotFound: "ORGANISATION_NOT_FOUND",
  OrganisationAlreadyExists: "ORGANISATION_ALREADY_EXISTS",
  AlreadyMember: "ALREADY_MEMBER",
  NotAMember: "NOT_A_MEMBER",
  InvalidEmail: "INVALID_EMAIL",
  WrongCredentials: "WRONG_CREDENTIALS",
  InvalidToken: "INVALID_TOKEN",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  NotGrantable: "FORBIDDEN",
  NotRevocable: "FORBIDDEN",
  LastAdministrator: "LAST_ADMINISTRATOR",
  UnknownPermissions: "BAD_USER_INPUT",
  InvalidInput: "BAD_USER_INPUT",
  InvalidArgument: "BAD_USER_INPUT",
  ParseError: "BAD_USER_INPUT",
  Conflict: "CONFLICT",
  RateLimited: "RATE_LIMITED"
} as const satisfies Record<string, string>

/**
 * Refusals of the request itself, before or instead of its resolvers, by the step that refused it.
 * The codes are Apollo Server's, which clients and tools already know.
 */
export const requestCodes = {
  /** Not a GraphQL-over-HTTP request: method, Accept, content type, body size, JSON, parameter types. */
  request: "BAD_REQUEST",
  /** graphql-js's parser: a syntax error, or more than GRAPHQL_MAX_TOKENS. */
  parse: "GRAPHQL_PARSE_FAILED",
  /** graphql-js's validation rules and the query limits (depth, aliases, directives, cost, introspection). */
  validation: "GRAPHQL_VALIDATION_FAILED",
  /** operationName names no operation, or is missing while the document has several. */
  operation: "OPERATION_RESOLUTION_FAILURE",
  /** A variable's value does not fit its declared type (or an argument's, once variables are applied). */
  variables: "BAD_USER_INPUT",
  /** Ran past REQUEST_TIMEOUT: its resolvers were interrupted and their transactions rolled back. */
  timeout: "REQUEST_TIMEOUT"
} as const

export type RequestStep = keyof typeof requestCodes

export type ErrorCode = (typeof codes)[keyof typeof codes] | (typeof requestCodes)[RequestStep] | "INTERNAL_SERVER_ERROR"

export const internalMessage = "Internal server error"

export const internalError = (path?: ReadonlyArray<string | number>): GraphQLError =>
  new GraphQLError(internalMessage, { path: path ?? null, extensions: { code: "INTERNAL_SERVER_ERROR" satisfies ErrorCode } })

/** A refusal by `step`: a message, or graphql-js's error keeping where in the document (and result) it points. */
export const refusal = (step: RequestStep, error: Readonly<GraphQLError> | string): GraphQLError =>
  typeof error === "string"
    ? new GraphQLError(error, { extensions: { code: requestCodes[step] } })
    : new GraphQLError(error.message, {
      nodes: error.nodes ?? null,
      source: error.source ?? null,
      positions: error.positions ?? null,
      path: error.path ?? null,
      extensions: { ...error.extensions, code: requestCodes[step] }
    })

/**
 * What a client sees of an error on its way into the response. Coded errors pass. Uncoded ones are
 * graphql-js's own, raised while executing: an argument it could not coerce (a variable that is null
 * where the argument must not be) is the client's, BAD_USER_INPUT; anything else (null in a non-null
 * field, a value its type cannot serialise) is a fault, handed to `onFault` for the log and masked
 * as INTERNAL_SERVER_ERROR.
 */
export const forClient = (error: Readonly<GraphQLError | Error>, onFault: (error: unknown) => void): GraphQLError => {
  if (error instanceof GraphQLError) {
    if (error.extensions["code"] !== undefined) return error
    // graphql-js words every argument coercion error so (execution/values.ts); no other of its errors is the client's.
    if (error.message.startsWith("Argument \"")) return refusal("variables", error)
  }
  onFault(error instanceof GraphQLError ? error.originalError ?? error : error)
  return internalError(error instanceof GraphQLError ? error.path : undefined)
}

/** The error as a client gets it: with the request's id, which the x-request-id header and every log line carry too. */
export const withRequestId = (error: GraphQLError, requestId: string, message = error.message): GraphQLError =>
  new GraphQLError(message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    extensions: { ...error.extensions, requestId }
  })

/** What a client needs besides the code to act on some failures: when to retry a refused attempt. */
// any: each entry reads the fields of the one error class whose tag it is listed under.
const moreExtensions: { readonly [Tag in keyof typeof codes]?: (error: any) => Record<string, unknown> } = {
  RateLimited: (error: RateLimited) => ({ retryAfter: retryAfterSeconds(error) })
}

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
    const extra = moreExtensions[(error as { readonly _tag: keyof typeof codes })._tag]?.(error)
    return Effect.succeed(new GraphQLError(message, { extensions: { code: code.value, ...extra } }))
  }
  return Effect.as(Effect.logError("GraphQL resolver failed", cause), internalError())
}
