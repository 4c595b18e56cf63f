/**
 * The bridge from graphql-js (promises) to Effect: each request gets a context whose `run` executes a
 * resolver's program on the request fiber's runtime, so it sees the server's services, the request's
 * log annotations and span, and is interrupted when the request is.
 */
import { Cause, Effect, Exit, Option, Runtime } from "effect"
import { setMaxListeners } from "node:events"
import { type Principal, principal } from "../auth/Queries.js"
import type { RoleRepository } from "../auth/ports/RoleRepository.js"
import { TokenIssuer } from "../auth/ports/TokenIssuer.js"
import type { UserRepository } from "../auth/ports/UserRepository.js"
import { type GraphQLContext, RequestPrincipal } from "./Context.js"
import * as ErrorCodes from "./ErrorCodes.js"
import * as Loaders from "./Loaders.js"

/** What finding the caller needs; every runtime the edge runs on provides at least this. */
export type PrincipalServices = TokenIssuer | UserRepository | RoleRepository

const bearer = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/** The caller named by an `Authorization: Bearer <token>` header, read from the database now. */
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
  /** Aborted when the HTTP request is interrupted: running resolvers are interrupted too. */
  readonly signal?: AbortSignal | undefined
}

export const makeContext = <R>(
  runtime: Runtime.Runtime<R | PrincipalServices>,
  request: RequestInfo
): GraphQLContext<R | PrincipalServices> => {
  const runExit = Runtime.runPromiseExit(runtime)
  // Memoised: however many fields need the caller, the token is verified and the user read once.
  const cachedPrincipal = Runtime.runSync(runtime)(Effect.cached(resolvePrincipal(request.authorization))).pipe(
    Effect.provide(runtime.context)
  )
  const loaders = Loaders.make()
  // Every running resolver listens to the request's abort until it ends: a page of users has hundreds
  // at once, past Node's warning threshold of 10 listeners, which is meant for leaks, not this.
  if (request.signal !== undefined) setMaxListeners(0, request.signal)
  const options = request.signal === undefined ? undefined : { signal: request.signal }
  return {
    requestId: request.requestId,
    run: (effect) =>
      runExit(
        effect.pipe(
          Effect.provideService(RequestPrincipal, cachedPrincipal),
          Effect.provideService(Loaders.RequestLoaders, loaders),
          Effect.catchAllCause((cause) => Effect.flatMap(ErrorCodes.toGraphQLError(cause), Effect.fail)),
          Effect.annotateLogs("requestId", request.requestId)
        ),
        options
      ).then((exit) => {
        if (Exit.isSuccess(exit)) return exit.value
        // Every failure became a GraphQLError above; an interruption has none, and gets the generic answer.
        throw Option.getOrElse(Cause.failureOption(exit.cause), ErrorCodes.internalError)
      })
  }
}
