/**
 * One log line per HTTP request, written when it is answered: method, path (never the query string,
 * which can carry a GET's variables), status and duration; for /graphql also the operation, its
 * type, the caller's user id, the outcome and the error codes, which the route reports through
 * `RequestFacts`. GraphQL requests are counted in /metrics here too. Probes and scrapes
 * (/healthz, /readyz, /metrics) log at DEBUG while they succeed, so they do not drown the rest.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Cause, Context, Effect, Exit, LogLevel, Option } from "effect"
import type * as GraphQLMetrics from "../observability/GraphQLMetrics.js"

export interface GraphQLFacts {
  operationName?: string | null | undefined
  operationType?: string | undefined
  outcome: GraphQLMetrics.Outcome
  errorCodes: Array<string>
  principal?: string | undefined
}

/**
 * Filled in by the GraphQL route while it answers: a mutable record, because what the middleware
 * wants to know (the operation, the caller) is learnt deep inside graphql-js's callbacks.
 */
export class RequestFacts extends Context.Tag("http/RequestFacts")<RequestFacts, { graphql: GraphQLFacts | undefined }>() {}

const quietPaths = new Set(["/healthz", "/readyz", "/metrics"])

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

export const middleware = (record: GraphQLMetrics.Recorder) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, Exclude<R, RequestFacts>> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = performance.now()
    const facts: Context.Tag.Service<RequestFacts> = { graphql: undefined }
    const exit = yield* Effect.exit(Effect.provideService(app, RequestFacts, facts))
    const seconds = (performance.now() - started) / 1000
    const [response, cause] = Exit.isSuccess(exit) ? [exit.value, Option.none()] : HttpServerError.causeResponseStripped(exit.cause)
    const path = pathOf(request.url)
    const graphql = facts.graphql
    const annotations: Record<string, unknown> = {
      "http.method": request.method,
      "http.path": path,
      "http.status": response.status,
      durationMs: Math.round(seconds * 100_000) / 100
    }
    if (graphql !== undefined) {
      annotations["graphql.operation"] = graphql.operationName ?? null
      annotations["graphql.type"] = graphql.operationType ?? null
      annotations["graphql.outcome"] = graphql.outcome
      annotations["graphql.errors"] = graphql.errorCodes.length === 0 ? null : [...new Set(graphql.errorCodes)].join(",")
      annotations["principal"] = graphql.principal ?? null
      yield* record(graphql, seconds)
    }
    const level = Option.isSome(cause) ? LogLevel.Error : quietPaths.has(path) && response.status < 400 ? LogLevel.Debug : LogLevel.Info
    const message = Option.match(cause, {
      onNone: () => graphql === undefined ? "HTTP request" : "GraphQL request",
      onSome: (failure) => Cause.pretty(failure)
    })
    yield* Effect.logWithLevel(level, message).pipe(Effect.annotateLogs(annotations))
    return yield* exit
  })
