/**
 * What /metrics says about GraphQL requests: how many, how long, and which error codes, by operation.
 * Operation names come from clients, so they are bounded before they become labels: only a valid
 * document's name, shaped like a GraphQL name, and at most `maxOperations` distinct names a process
 * (the rest count as "other"); otherwise a client could grow the label set, and memory, without end.
 */
import { Metric, MetricBoundaries } from "effect"

/**
 * `client_closed`: the client closed the connection before the answer; `drained`: the server's drain
 * closed it at DRAIN_TIMEOUT. Neither request was answered (AccessLog.ts tells them apart).
 */
export type Outcome = "ok" | "errors" | "refused" | "timeout" | "client_closed" | "drained"

/** Outcomes of requests whose connection closed before their answer. */
const unanswered: ReadonlySet<Outcome> = new Set(["client_closed", "drained"])

export interface Facts {
  /** Set once the document is valid and its operation picked; undefined: refused before that. */
  readonly operationName?: string | null | undefined
  readonly operationType?: string | undefined
  readonly outcome: Outcome
  readonly errorCodes: ReadonlyArray<string>
}

export const requestsTotal = Metric.counter("kingdom_graphql_requests_total", {
  description: "GraphQL requests by operation, type (query, mutation) and outcome (ok, errors, refused, timeout, client_closed, drained)",
  incremental: true
})

export const requestDuration = Metric.histogram(
  "kingdom_graphql_request_duration_seconds",
  // 1 ms to about 16 s, doubling.
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 15 }),
  "GraphQL request latency in seconds, from the body read to the answer, by operation"
)

export const errorsTotal = Metric.counter("kingdom_graphql_errors_total", {
  description: "Errors in GraphQL answers by extensions.code",
  incremental: true
})

/** METRICS_MAX_OPERATIONS's default. */
export const defaultMaxOperations = 200

const graphqlName = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/

/** The operation's label: its name while names are fewer than `maxOperations`, "anonymous", "invalid" or "other". */
export const operationLabels = (maxOperations: number) => {
  const seen = new Set<string>()
  return (facts: Facts): string => {
    if (facts.operationType === undefined) return "invalid"
    const name = facts.operationName
    if (name == null) return "anonymous"
    if (!graphqlName.test(name)) return "other"
    if (seen.has(name)) return name
    if (seen.size >= maxOperations) return "other"
    seen.add(name)
    return name
  }
}

/** Synchronous (Metric.unsafeUpdate): the edge counts a request without a fiber for it. */
export type Recorder = (facts: Facts, seconds: number) => void

/** A tagged metric per label set, made once: labels are bounded, and tagging anew costs on every request. */
const memo = <K, V>(make: (key: K) => V) => {
  const made = new Map<K, V>()
  return (key: K) => {
    const found = made.get(key)
    if (found !== undefined) return found
    const value = make(key)
    made.set(key, value)
    return value
  }
}

/**
 * Records one request under its bounded operation label. An unanswered one is counted, not timed: how
 * long until its connection closed is no latency of answers.
 */
export const recorder = (maxOperations: number): Recorder => {
  const labelOf = operationLabels(maxOperations)
  const requests = memo((key: string) => {
    const [operation, type, outcome] = key.split("\u0000") as [string, string, string]
    return requestsTotal.pipe(Metric.tagged("operation", operation), Metric.tagged("type", type), Metric.tagged("outcome", outcome))
  })
  const duration = memo((operation: string) => Metric.tagged(requestDuration, "operation", operation))
  const errors = memo((code: string) => Metric.tagged(errorsTotal, "code", code))
  return (facts, seconds) => {
    const operation = labelOf(facts)
    requests(`${operation}\u0000${facts.operationType ?? "unknown"}\u0000${facts.outcome}`).unsafeUpdate(1, [])
    for (const code of facts.errorCodes) errors(code).unsafeUpdate(1, [])
    if (!unanswered.has(facts.outcome)) duration(operation).unsafeUpdate(seconds, [])
  }
}
