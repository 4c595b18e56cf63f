/**
 * The bridge from graphql-js (promises) to Effect: each request gets a context whose `run` executes a
 * resolver's program on the request fiber's runtime, so it sees the server's services, the request's
 * log annotations and span, and is interrupted when the request is.
 */
import { Context, Deferred, Effect, Either, Exit, type Fiber, FiberId, Option, Runtime, type Tracer } from "effect"
import { Authenticator } from "../access/Authenticator.js"
import type { Principal } from "../access/Principal.js"
import { ClientAddress, type GraphQLContext, RequestPrincipal } from "./Context.js"
import * as ErrorCodes from "./ErrorCodes.js"
import * as Loaders from "./Loaders.js"

/** What finding the caller needs; every runtime the edge runs on provides at least this. */
export type PrincipalServices = Authenticator

const bearer = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/** The caller named by an `Authorization: Bearer <token>` header, as the Authenticator finds them now. */
export const resolvePrincipal = (
  authorization: string | null
): Effect.Effect<Option.Option<Principal>, never, PrincipalServices> => {
  const token = authorization === null ? null : bearer.exec(authorization)?.[1]
  if (token === null) return Effect.succeedNone
  if (token === undefined) return Effect.as(Effect.logDebug("Authorization header is not 'Bearer <token>'"), Option.none())
  return Effect.flatMap(Authenticator, (authenticator) => authenticator.principal(token))
}

export interface RequestInfo {
  readonly requestId: string
  readonly authorization: string | null
  readonly clientAddress: string
  /** The request's span (tracing on), parent of its resolvers' spans. */
  readonly span?: Tracer.AnySpan | undefined
  /** Hears the caller once the token has been checked (the access log names them). */
  readonly onPrincipal?: (principal: Principal) => void
}

/** Starts a resolver's program, given with the request's services and its failure (a GraphQLError) as a value. */
export type Fork<R> = <A>(effect: Effect.Effect<A, never, R>) => Fiber.RuntimeFiber<A>

/**
 * `effect`, run by its first caller; the others await its result. Effect.cached would do, but it
 * needs a fiber of its own to make, on every request.
 */
const once = <A>(effect: Effect.Effect<A>): Effect.Effect<A> => {
  let result: Deferred.Deferred<A> | undefined
  return Effect.suspend(() => {
    if (result !== undefined) return Deferred.await(result)
    const deferred = result = Deferred.unsafeMake<A>(FiberId.none)
    return Effect.zipRight(Effect.intoDeferred(effect, deferred), Deferred.await(deferred))
  })
}

/**
 * `fork` defaults to the runtime's; the HTTP route keeps the request's fibers instead, so that ending
 * the request (timeout, client gone) interrupts its resolvers and waits for their transactions to roll back.
 */
export const makeContext = <R>(
  runtime: Runtime.Runtime<R | PrincipalServices>,
  request: RequestInfo,
  fork: Fork<R | PrincipalServices> = Runtime.runFork(runtime)
): GraphQLContext<R | PrincipalServices> => {
  // However many fields need the caller, the token is verified and the user read once.
  const cachedPrincipal = once(resolvePrincipal(request.authorization).pipe(
    Effect.tap((found) => Effect.sync(() => Option.map(found, (principal) => request.onPrincipal?.(principal)))),
    Effect.provide(runtime.context)
  ))
  const { span } = request
  // One context for both, provided in one step (provideService twice patched the fiber's context twice).
  const services = Context.make(RequestPrincipal, cachedPrincipal).pipe(Context.add(ClientAddress, request.clientAddress))
  const run: GraphQLContext<R | PrincipalServices>["run"] = (effect, resolverSpan) =>
    new Promise((resolve, reject) =>
      fork(effect.pipe(
        Effect.provide(services),
        // Every failure becomes a GraphQLError, a value: the fiber never fails (so nothing reports it as
        // unhandled) and an interruption, which has none, gets the generic answer.
        Effect.catchAllCause((cause) => Effect.flatMap(ErrorCodes.toGraphQLError(cause), Effect.fail)),
        Effect.either,
        Effect.annotateLogs("requestId", request.requestId),
        // No stack trace: the span's name says where it is, and capturing one costs an Error per field.
        (program) =>
          span === undefined ? program : resolverSpan === undefined ? Effect.withParentSpan(program, span) : Effect.withSpan(program, resolverSpan.name, {
            parent: span,
            attributes: resolverSpan.attributes ?? {},
            captureStackTrace: false
          })
      )).addObserver((exit) => {
        if (Exit.isFailure(exit)) return reject(ErrorCodes.internalError())
        return Either.isRight(exit.value) ? resolve(exit.value.right) : reject(exit.value.left)
      }))
  return { requestId: request.requestId, run, load: Loaders.make(run).load }
}
