/**
 * One log line per HTTP request, written when it ends: method, path (never the query string, which
 * can carry a GET's variables), status and duration; for /graphql also the operation, its type, the
 * caller's user id, the outcome and the error codes, which the GraphQL route fills in as it learns
 * them (`GraphQLFacts`). Requests are counted in /metrics here too, GraphQL ones by operation. Probes
 * and scrapes (/healthz, /readyz, /metrics) log at DEBUG while they succeed, so they do not drown the rest.
 *
 * A request whose connection closed before its answer is no server error: it is logged with
 * `http.outcome` client_closed (INFO, status 499, nginx's convention) or drained (WARN, 503: the
 * server's drain closed it at DRAIN_TIMEOUT), and counted apart from the answers' status classes.
 */
import { Cause, LogLevel, Metric, Option } from "effect"
import type * as GraphQLMetrics from "../observability/GraphQLMetrics.js"
import type * as RuntimeLog from "../observability/RuntimeLog.js"

export interface GraphQLFacts {
  operationName?: string | null | undefined
  operationType?: string | undefined
  outcome: GraphQLMetrics.Outcome
  errorCodes: Array<string>
  principal?: string | undefined
}

/**
 * What became of a request's connection by the time it ended: answered on an open connection, closed
 * by its client, closed by the server's drain at DRAIN_TIMEOUT, or closed by Node after answering 408
 * itself (RECEIVE_TIMEOUT passed before the body was in). Only the server can tell (Server.ts).
 */
export type Connection = "open" | "client_closed" | "drained" | "receive_timeout"

/** What the edge knows of a request once it has ended (Edge.ts). */
export interface Ended {
  readonly method: string
  /** The URL's path: never its query string, which can carry a GET's variables. */
  readonly path: string
  /** The status written, when an answer was. */
  readonly status: number
  readonly connection: Connection
  readonly seconds: number
  readonly graphql: GraphQLFacts | undefined
  /** A route's failure (its answer was a 500). */
  readonly failure: Option.Option<Cause.Cause<unknown>>
}

interface Closed {
  readonly status: number
  readonly level: LogLevel.LogLevel
  readonly outcome: GraphQLMetrics.Outcome
  /** No answer reached the client: the outcome is its http.outcome and its count. */
  readonly unanswered: boolean
}

/**
 * How a request whose connection is gone is logged and counted, instead of as a failure. Node's 408
 * came before the document was read: refused, like the route's own.
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

/**
 * The line and the counts for one ended request, written at once (no fiber: RuntimeLog.ts); `record`
 * counts GraphQL requests by operation.
 */
export const write = (log: RuntimeLog.Write, record: GraphQLMetrics.Recorder) => (requestId: string, ended: Ended): void => {
  const closed = ended.connection === "open" ? undefined : closedBefore[ended.connection]
  const status = closed?.status ?? ended.status
  const { path } = ended
  const graphql = ended.graphql
  const annotations: Record<string, unknown> = {
    requestId,
    "http.method": ended.method,
    "http.path": path,
    "http.status": status,
    durationMs: Math.round(ended.seconds * 100_000) / 100
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
  }
  const outcome = closed?.unanswered ? closed.outcome : `${Math.trunc(status / 100)}xx`
  const failure = closed === undefined ? ended.failure : Option.none()
  const level = closed?.level ?? (Option.isSome(failure) ? LogLevel.Error : quietPaths.has(path) && status < 400 ? LogLevel.Debug : LogLevel.Info)
  const message = Option.isSome(failure) ? Cause.pretty(failure.value) : graphql === undefined ? "HTTP request" : "GraphQL request"
  log(level, message, annotations)
  const counter = counters.get(outcome) ?? Metric.tagged(requestsTotal, "outcome", outcome)
  counter.unsafeUpdate(1, [])
  if (graphql !== undefined) record(graphql, ended.seconds)
}
