import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { type Facts, operationLabels, recorder, requestDuration, requestsTotal } from "../../../src/observability/GraphQLMetrics.js"

const query = (operationName: string | null) => ({ operationName, operationType: "query", outcome: "ok" as const, errorCodes: [] })

describe("operation labels", () => {
  it("keep the first names up to the bound, then count the rest as other", () => {
    const label = operationLabels(2)
    expect([query("A"), query("B"), query("C"), query("A")].map(label)).toEqual(["A", "B", "other", "A"])
  })

  it("never take a client's text that is not a GraphQL name, and tell anonymous and refused documents apart", () => {
    const label = operationLabels(10)
    expect(label(query("x\"} 1\nfake_metric{"))).toBe("other")
    expect(label(query("a".repeat(65)))).toBe("other")
    expect(label(query(null))).toBe("anonymous")
    expect(label({ outcome: "refused", errorCodes: ["GRAPHQL_PARSE_FAILED"] })).toBe("invalid")
  })
})

/** What /metrics would show for one mutation: its requests by outcome, and how many were timed. */
const observed = (operation: string) => {
  const requests = (outcome: Facts["outcome"]) =>
    Effect.map(Metric.value(requestsTotal.pipe(Metric.tagged("operation", operation), Metric.tagged("type", "mutation"), Metric.tagged("outcome", outcome))), (state) => state.count)
  return Effect.all({
    ok: requests("ok"),
    clientClosed: requests("client_closed"),
    drained: requests("drained"),
    timed: Effect.map(Metric.value(Metric.tagged(requestDuration, "operation", operation)), (state) => state.count)
  })
}

describe("the recorder", () => {
  it.effect("counts a request whose connection closed before its answer by its own outcome, without timing it as an answer", () =>
    Effect.gen(function*() {
      const record = recorder(10)
      const mutation = (outcome: Facts["outcome"]): Facts => ({ operationName: "HungUp", operationType: "mutation", outcome, errorCodes: [] })
      record(mutation("ok"), 0.2)
      record(mutation("client_closed"), 7)
      record(mutation("client_closed"), 9)
      record(mutation("drained"), 10)
      expect(yield* observed("HungUp")).toEqual({ ok: 1, clientClosed: 2, drained: 1, timed: 1 })
    }))
})
