/**
 * Issue 21 at known points of a request, over real HTTP on an in-process server that also serves the
 * test-only `hold` mutation (HeldRequests.ts), which tells the test when it runs: a connection closed
 * before the answer is told apart by who closed it. Its client (client_closed: INFO, 499, the caller
 * if known, its transaction rolled back and what had committed kept), the server's drain at
 * DRAIN_TIMEOUT (drained: WARN), or Node at RECEIVE_TIMEOUT (a 408 refusal); none is logged as an
 * ERROR or counted as a 5xx, and a request stopped by REQUEST_TIMEOUT keeps its own outcome.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, HashMap, Layer, Logger, LogLevel, Metric, Schedule, Scope } from "effect"
import * as AccessLog from "../../src/http/AccessLog.js"
import * as GraphQLMetrics from "../../src/observability/GraphQLMetrics.js"
import { type Abortable, postGraphql } from "../support/AbortableHttp.js"
import { eventually } from "../support/Eventually.js"
import * as HeldRequests from "../support/HeldRequests.js"
import { post } from "../support/HttpProbe.js"
import * as ProbeApi from "../support/ProbeApi.js"
import { tryConnect } from "../support/RawHttp.js"
import { randomKey } from "../support/RandomRefs.js"
import { adminToken, TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Every line the servers log, at every level; tests read the lines of their own requests. */
const logged: Array<LogLine> = []
const capture = Logger.make(({ annotations, logLevel, message }) => {
  logged.push({ level: logLevel.label, message: String(message), annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
})

const requestTimeout = Duration.seconds(5)

/** A server with the probe modules, logging everything into `logged`; `overrides` on its HTTP settings. */
const serverWith = (overrides: Partial<Parameters<typeof TestServerLayer.make>[0]>) =>
  TestServerLayer.make(overrides, {}, TestServerLayer.rateLimits, { modules: [ProbeApi.api, HeldRequests.api], limits: { requestTimeout } }, LogLevel.All).pipe(
    Layer.provide(Logger.replace(Logger.defaultLogger, capture))
  )

const portOf = Effect.map(TestServer, ({ baseUrl }) => Number(new URL(baseUrl).port))

const linesOf = (requestId: string) => logged.filter((line) => line.annotations["requestId"] === requestId)

/** The access log's line for the request (the one with its status), once written: after the request's fiber has ended. */
const accessLine = (requestId: string) =>
  eventually(Effect.sync(() => {
    const lines = linesOf(requestId).filter((line) => "http.status" in line.annotations)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.message).toBe("GraphQL request")
    return lines[0]!
  }), { timeout: Duration.seconds(15) })

const heldMutation = (id: string, write: boolean) => ({ query: `mutation Held { hold(id: "${id}", write: ${write}) }` })

/** Awaits `what` for at most 30 s: a hang becomes a failure that says what was awaited. */
const within = <A>(what: string, promise: Effect.Effect<A>) =>
  Effect.timeoutFail(promise, { duration: Duration.seconds(30), onTimeout: () => new Error(`${what}: nothing within 30 s`) })

/** The connection closed without an answer: the promise rejected. */
const noAnswer = (flight: Abortable) =>
  within(`the end of ${flight.requestId}`, Effect.promise(() => flight.answer.then(() => "answered", () => "no answer")))

const count = (metric: Metric.Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)

/** What /metrics says about the `Held` operation and the HTTP requests, to compare before and after. */
const counts = Effect.all({
  held: Effect.all(Object.fromEntries((["client_closed", "drained", "timeout", "refused"] as const).map((outcome) => [
    outcome,
    count(GraphQLMetrics.requestsTotal.pipe(Metric.tagged("operation", "Held"), Metric.tagged("type", "mutation"), Metric.tagged("outcome", outcome)))
  ]))),
  http: Effect.all(Object.fromEntries(["client_closed", "drained", "4xx", "5xx"].map((outcome) => [outcome, count(Metric.tagged(AccessLog.requestsTotal, "outcome", outcome))]))),
  internalErrors: count(Metric.tagged(GraphQLMetrics.errorsTotal, "code", "INTERNAL_SERVER_ERROR"))
})

/** The counts' changes since `before`, without those that did not change. */
const changedSince = (before: Effect.Effect.Success<typeof counts>) =>
  Effect.map(counts, (after) => {
    const changes: Record<string, number> = {}
    for (const group of ["held", "http"] as const) {
      for (const [outcome, value] of Object.entries(after[group])) {
        const delta = value - before[group][outcome]!
        if (delta !== 0) changes[`${group}.${outcome}`] = delta
      }
    }
    if (after.internalErrors !== before.internalErrors) changes["internalErrors"] = after.internalErrors - before.internalErrors
    return changes
  })

const written = (id: string) => Effect.map(post({ query: `{ probeWritten(id: "${id}") }` }), (answer) => answer.json.data.probeWritten as boolean)

describe("connections closed before the answer", () => {
  // Live services: the server's timeouts run on the real clock, not a TestClock.
  layer(serverWith({ headersTimeout: Duration.seconds(1), receiveTimeout: Duration.seconds(2) }), { timeout: Duration.seconds(120), excludeTestServices: true })((it) => {
    it.effect("a client that leaves mid-mutation: one INFO line, client_closed (499), with its caller; rolled back, what committed before kept", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const port = yield* portOf
        const before = yield* counts
        const committed = randomKey("committed")
        const held = randomKey("held")
        // Mutation fields run one after another: the first has committed when the second writes and holds.
        const flight = postGraphql(port, randomKey("hung-up-mutation"), {
          query: `mutation Held { writeThenSleep(id: "${committed}", ms: 0) hold(id: "${held}", write: true) }`
        }, { token })
        yield* within("the held mutation's write", HeldRequests.running(held))
        flight.abort()
        expect(yield* noAnswer(flight)).toBe("no answer")

        const line = yield* accessLine(flight.requestId)
        expect(line.level).toBe("INFO")
        expect(line.annotations).toMatchObject({
          "http.status": 499,
          "http.outcome": "client_closed",
          "graphql.operation": "Held",
          "graphql.type": "mutation",
          "graphql.outcome": "client_closed",
          "graphql.errors": null,
          principal: expect.any(String),
          durationMs: expect.any(Number)
        })
        expect(linesOf(flight.requestId).filter((other) => other.level === "ERROR" || other.level === "FATAL")).toEqual([])
        expect(yield* written(committed)).toBe(true)
        expect(yield* written(held)).toBe(false)
        expect(yield* changedSince(before)).toEqual({ "held.client_closed": 1, "http.client_closed": 1 })
      }))

    it.effect("a client that leaves while its body is still being sent: client_closed, not a refusal of an unreadable body", () =>
      Effect.gen(function*() {
        const port = yield* portOf
        const before = yield* counts
        const flight = postGraphql(port, randomKey("hung-up-body"), heldMutation(randomKey("never"), false), { partial: true })
        yield* Effect.promise(() => flight.sent)
        flight.abort()
        expect(yield* noAnswer(flight)).toBe("no answer")

        const line = yield* accessLine(flight.requestId)
        expect(line.level).toBe("INFO")
        expect(line.annotations).toMatchObject({ "http.status": 499, "http.outcome": "client_closed", "graphql.outcome": "client_closed" })
        expect(yield* changedSince(before)).toEqual({ "http.client_closed": 1 })
      }))

    it.effect("a body not in within RECEIVE_TIMEOUT: Node's 408, logged as a refusal at INFO, not as a client that left", () =>
      Effect.gen(function*() {
        const port = yield* portOf
        const before = yield* counts
        const flight = postGraphql(port, randomKey("slow-body"), heldMutation(randomKey("never"), false), { partial: true })
        const answer = yield* within("Node's 408", Effect.promise(() => flight.answer))
        expect(answer.status).toBe(408)

        const line = yield* accessLine(flight.requestId)
        expect(line.level).toBe("INFO")
        expect(line.annotations).toMatchObject({ "http.status": 408, "graphql.outcome": "refused" })
        expect(line.annotations).not.toHaveProperty("http.outcome")
        expect(yield* changedSince(before)).toEqual({ "http.4xx": 1 })
      }))

    it.effect("a request stopped by REQUEST_TIMEOUT keeps its own outcome: answered 503, timeout, never client_closed", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const port = yield* portOf
        const before = yield* counts
        const held = randomKey("timed-out")
        const flight = postGraphql(port, randomKey("timed-out"), heldMutation(held, false), { token })
        yield* within("the held mutation", HeldRequests.running(held))
        const answer = yield* within("the REQUEST_TIMEOUT answer", Effect.promise(() => flight.answer))
        expect(answer.status).toBe(503)
        expect(JSON.parse(answer.body).errors[0].extensions.code).toBe("REQUEST_TIMEOUT")

        const line = yield* accessLine(flight.requestId)
        expect(line.level).toBe("INFO")
        expect(line.annotations).toMatchObject({ "http.status": 503, "graphql.outcome": "timeout", principal: expect.any(String) })
        expect(line.annotations).not.toHaveProperty("http.outcome")
        expect(yield* changedSince(before)).toEqual({ "held.timeout": 1, "http.5xx": 1 })
      }))
  })

  it.live("while the server drains: a client that leaves is client_closed; a request cut at DRAIN_TIMEOUT is drained (WARN), not a client that left", () =>
    Effect.gen(function*() {
      // Closed by the test; the release only matters if it fails first.
      const scope = yield* Effect.acquireRelease(Scope.make(), (scope) => Scope.close(scope, Exit.void))
      const server = yield* Layer.buildWithScope(serverWith({ drainTimeout: Duration.seconds(2) }), scope)
      const port = yield* Effect.provide(portOf, server)
      const token = yield* Effect.provide(adminToken, server)
      const before = yield* counts
      const [leaving, cut] = ["leaving", "cut"].map((name) => {
        const id = randomKey(name)
        return { id, flight: postGraphql(port, randomKey(`draining-${name}`), heldMutation(id, false), { token }) }
      }) as [{ id: string; flight: Abortable }, { id: string; flight: Abortable }]
      yield* within("the held mutations", Effect.all([HeldRequests.running(leaving.id), HeldRequests.running(cut.id)]))

      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      // The drain has begun once new connections are refused; the cut comes DRAIN_TIMEOUT later.
      yield* tryConnect(port).pipe(
        Effect.filterOrFail((outcome) => outcome === "refused"),
        Effect.retry(Schedule.spaced("5 millis").pipe(Schedule.upTo("30 seconds")))
      )
      leaving.flight.abort()
      expect(yield* noAnswer(leaving.flight)).toBe("no answer")
      expect(yield* noAnswer(cut.flight)).toBe("no answer")
      yield* within("the server's close", Fiber.join(closing))

      const left = yield* accessLine(leaving.flight.requestId)
      expect([left.level, left.annotations["http.status"], left.annotations["http.outcome"], left.annotations["graphql.outcome"]])
        .toEqual(["INFO", 499, "client_closed", "client_closed"])
      const drained = yield* accessLine(cut.flight.requestId)
      expect(drained.level).toBe("WARN")
      expect(drained.annotations).toMatchObject({
        "http.status": 503,
        "http.outcome": "drained",
        "graphql.outcome": "drained",
        principal: expect.any(String)
      })
      for (const flight of [leaving.flight, cut.flight]) {
        expect(linesOf(flight.requestId).filter((line) => line.level === "ERROR" || line.level === "FATAL")).toEqual([])
      }
      expect(yield* changedSince(before)).toEqual({ "held.client_closed": 1, "held.drained": 1, "http.client_closed": 1, "http.drained": 1 })
    }).pipe(Effect.scoped), 120_000)
})
