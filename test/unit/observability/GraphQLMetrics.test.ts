import { describe, expect, it } from "@effect/vitest"
import { operationLabels } from "../../../src/observability/GraphQLMetrics.js"

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
