/**
 * The bridge from graphql-js (promises) to Effect: each request gets a context whose `run` executes a
 * resolver's program on the request fiber's runtime, so it sees the server's services, the request's
 * log annotations and span, and is interrupted when the request is.
 */
import { Cause, Effect, Exit, type Fiber, Option, Runtime } from "effect"
import { type Principal, principal } from "../auth/Queries.js"
import type { Callers } from "../auth/ports/Callers.js"
import { TokenIssuer } from "../auth/ports/TokenIssuer.js"
import { ClientAddress, type GraphQLContext, RequestPrincipal } from "./Context.js"
import * as ErrorCodes from "./ErrorCodes.js"
import type { GraphQLError } from "./GraphQLJs.js"
import * as Loaders from "./Loaders.js"

/** What finding the caller needs; every runtime the edge runs on provides at least this. */
export type PrincipalServices = TokenIssuer | Callers

const bearer = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/** The caller named by an `Authorization: Bearer <token>` header, read (with its session) from the database now. */
export const resolvePrincipal = (
  authorization: string | null
): Effect.Effect<Option.Option<Principal>, never, PrincipalServices> => {
  const token = authorization === null ? null : bearer.exec(authorization)?.[1]
  if (token === null) return Effect.succeedNone
  if (token === undefined) return Effect.as(Effect.logDebug("Authorization header is not 'Bearer <token>'"), Option.none())
  return Effect.flatMap(TokenIssuer, (tokens) => tokens.verify(token)).pipe(
    Effect.flatMap(principal),
    // The client learns only UNAUTHENTICATED (from a field that needs a caller); the reason is for operators.
    Effect.catchTag("InvalidAccessToken", (error) => Effect.as(Effect.logDebug(`bearer token refused: ${error.reason}`), Option.none()))
  )
}

export interface RequestInfo {
  readonly requestId: string
  readonly authorization: string | null
  readonly clientAddress: string
  /** Hears the caller once the token has been checked (the access log names them). */
  readonly onPrincipal?: (principal: Principal) => void
}

/** Starts a resolver's program, given with the request's services and its failures already GraphQLErrors. */
export type Fork<R> = <A>(effect: Effect.Effect<A, GraphQLError, R>) => Fiber.RuntimeFiber<A, GraphQLError>

/**
 * `fork` defaults to the runtime's; the HTTP route forks into the request's FiberSet instead, so that
 * ending the request (timeout, client gone) interrupts its resolvers and waits for their transactions
 * to roll back.
 */
export const makeContext = <R>(
  runtime: Runtime.Runtime<R | PrincipalServices>,
  request: RequestInfo,
  fork: Fork<R | PrincipalServices> = Runtime.runFork(runtime)
): GraphQLContext<R | PrincipalServices> => {
  // Memoised: however many fields need the caller, the token is verified and the user read once.
  const resolved = resolvePrincipal(request.authorization).pipe(
    Effect.tap((found) => Effect.sync(() => Option.map(found, (principal) => request.onPrincipal?.(principal))))
  )
  const cachedPrincipal = Runtime.runSync(runtime)(Effect.cached(resolved)).pipe(
    Effect.provide(runtime.context)
  )
  const run: GraphQLContext<R | PrincipalServices>["run"] = (effect) =>
    new Promise((resolve, reject) =>
      fork(effect.pipe(
        Effect.provideService(RequestPrincipal, cachedPrincipal),
        Effect.provideService(ClientAddress, request.clientAddress),
        Effect.catchAllCause((cause) => Effect.flatMap(ErrorCodes.toGraphQLError(cause), Effect.fail)),
        Effect.annotateLogs("requestId", request.requestId)
      )).addObserver((exit) =>
        Exit.isSuccess(exit)
          ? resolve(exit.value)
          // Every failure became a GraphQLError above; an interruption has none, and gets the generic answer.
          : reject(Option.getOrElse(Cause.failureOption(exit.cause), ErrorCodes.internalError))
      ))
  return { requestId: request.requestId, run, load: Loaders.make(run).load }
}
