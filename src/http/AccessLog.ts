/**
 * One log line per HTTP request, written when it is answered: method, path (never the query string,
 * which can carry a GET's variables), status and duration; for /graphql also the operation, its
 * type, the caller's user id, the outcome and the error codes, which the route reports through
 * `RequestFacts`. Requests are counted in /metrics here too, GraphQL ones by operation. Probes and
 * scrapes (/healthz, /readyz, /metrics) log at DEBUG while they succeed, so they do not drown the rest.
 *
 * A request whose connection closed before its answer is no server error, whatever its fiber's
 * interruption looks like: it is logged with `http.outcome` client_closed (INFO, status 499, nginx's
 * convention) or drained (WARN, 503: the server's drain closed it at DRAIN_TIMEOUT), and counted
 * apart from the answers' status classes.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Cause, Context, Effect, Exit, LogLevel, Metric, Option } from "effect"
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

/**
 * What became of a request's connection by the time its answer is ready: still open, closed by its
 * client, closed by the server's drain at DRAIN_TIMEOUT, or closed by Node after answering 408 itself
 * (RECEIVE_TIMEOUT passed before the body was in). Only the server can tell (Server.ts).
 */
export type Connection = "open" | "client_closed" | "drained" | "receive_timeout"

export type ConnectionOf = (request: HttpServerRequest.HttpServerRequest) => Connection

interface Closed {
  readonly status: number
  readonly level: LogLevel.LogLevel
  readonly outcome: GraphQLMetrics.Outcome
  /** No answer reached the client: the outcome is its http.outcome and its count. */
  readonly unanswered: boolean
}

/**
 * How a request whose connection is gone is logged and counted, instead of as the 500 its fiber's
 * interruption would say. Node's 408 came before the document was read: refused, like the route's own.
 */
const closedBefore: Record<Exclude<Connection, "open">, Closed> = {
  client_closed: { status: 499, level: LogLevel.Info, outcome: "client_closed", unanswered: true },
  drained: { status: 503, level: LogLevel.Warning, outcome: "drained", unanswered: true },
  receive_timeout: { status: 408, level: LogLevel.Info, outcome: "refused", unanswered: false }
}

export const requestsTotal = Metric.counter("kingdom_http_requests_total", {
  description: "HTTP requests by outcome: the answer's status class (2xx, 4xx, 5xx, ...), or client_closed or drained when the connection closed before any answer",
  incremental: true
})

/** Tagged once each: tagging anew costs on every request. */
const counters = new Map(
  ["1xx", "2xx", "3xx", "4xx", "5xx", "client_closed", "drained"].map((outcome) => [outcome, Metric.tagged(requestsTotal, "outcome", outcome)])
)

const quietPaths = new Set(["/healthz", "/readyz", "/metrics"])

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

/** `connectionOf` says who closed a connection that closed before the answer. */
export const middleware = (record: GraphQLMetrics.Recorder, connectionOf: ConnectionOf) =>
<E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, Exclude<R, RequestFacts>> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = performance.now()
    const facts: Context.Tag.Service<RequestFacts> = { graphql: undefined }
    const exit = yield* Effect.exit(Effect.provideService(app, RequestFacts, facts))
    const seconds = (performance.now() - started) / 1000
    const connection = connectionOf(request)
    // Gone before the answer, and nothing failed but the interruption that followed: no server error.
    const closed = connection !== "open" && (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) ? closedBefore[connection] : undefined
    const [response, cause] = Exit.isSuccess(exit) ? [exit.value, Option.none()] : HttpServerError.causeResponseStripped(exit.cause)
    const status = closed?.status ?? response.status
    const path = pathOf(request.url)
    const graphql = facts.graphql
    const annotations: Record<string, unknown> = {
      "http.method": request.method,
      "http.path": path,
      "http.status": status,
      durationMs: Math.round(seconds * 100_000) / 100
    }
    if (closed?.unanswered) annotations["http.outcome"] = closed.outcome
    if (graphql !== undefined) {
      if (closed !== undefined) {
        graphql.outcome = closed.outcome
        // Raised by the interrupted execution, if at all; never sent.
        graphql.errorCodes = []
      }
      annotations["graphql.operation"] = graphql.operationName ?? null
      annotations["graphql.type"] = graphql.operationType ?? null
      annotations["graphql.outcome"] = graphql.outcome
      annotations["graphql.errors"] = graphql.errorCodes.length === 0 ? null : [...new Set(graphql.errorCodes)].join(",")
      annotations["principal"] = graphql.principal ?? null
      yield* record(graphql, seconds)
    }
    const outcome = closed?.unanswered ? closed.outcome : `${Math.trunc(status / 100)}xx`
    yield* Metric.increment(counters.get(outcome) ?? Metric.tagged(requestsTotal, "outcome", outcome))
    const level = closed?.level ?? (Option.isSome(cause) ? LogLevel.Error : quietPaths.has(path) && status < 400 ? LogLevel.Debug : LogLevel.Info)
    const message = closed === undefined && Option.isSome(cause)
      ? Cause.pretty(cause.value)
      : graphql === undefined ? "HTTP request" : "GraphQL request"
    yield* Effect.logWithLevel(level, message).pipe(Effect.annotateLogs(annotations))
    return yield* exit
  })
