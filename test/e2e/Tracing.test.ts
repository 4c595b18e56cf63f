/**
 * OpenTelemetry tracing, on the server process: with OTEL_EXPORTER_OTLP_ENDPOINT set, one trace per
 * request reaches the collector (here a node:http stand-in reading OTLP/HTTP JSON), with the request's
 * span at its root and the resolver's, the DataLoader batch's and the SQL statements' below it.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { eventually } from "../support/Eventually.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import { admin, adminToken, graphql, TestServer } from "../support/TestServer.js"

interface Span {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
}

class Collector extends Context.Tag("test/Collector")<Collector, { readonly spans: () => ReadonlyArray<Span> }>() {}

/** Accepts OTLP/HTTP JSON exports on /v1/traces and keeps their spans. */
const collector = Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly spans: Array<Span> }>((resume) => {
    const spans: Array<Span> = []
    const server = Http.createServer((request, response) => {
      let body = ""
      request.on("data", (chunk: Buffer) => (body += chunk.toString()))
      request.on("end", () => {
        // OTLP JSON, read only as far as the fields checked below.
        const exported = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Span> }> }> }
        for (const resource of exported.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans)
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, spans })))
  }),
  ({ server }) => Effect.sync(() => server.close())
)

const traced = Layer.unwrapScoped(Effect.map(collector, ({ server, spans }) =>
  Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(
    Layer.provideMerge(ServerProcessLayer.layer({
      drainTimeout: "5 seconds",
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        // The batch processor's own variable: export every 100 ms instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: "100"
      }
    })),
    Layer.merge(Layer.succeed(Collector, { spans: () => spans }))
  )))

describe("tracing, on the server process with an OTLP endpoint", () => {
  layer(traced, { timeout: Duration.seconds(180), excludeTestServices: true })((it) => {
    it.effect("exports one trace per request: HTTP request, resolver, DataLoader batch and SQL statements", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        // A listed user's role comes from a DataLoader batch (the caller's own, in me, does not).
        const answer = yield* graphql("query Users { users(first: 1) { nodes { accessKey role { code } } } }", {}, token)
        expect(answer.data).toEqual({ users: { nodes: [{ accessKey: admin.accessKey, role: { code: "admin" } }] } })
        const { spans } = yield* Collector
        // Spans are exported in batches as they end, so the trace may arrive in parts: wait for all of them.
        const { resolver, trace } = yield* eventually(Effect.sync(() => {
          const resolver = spans().find((span) => span.name === "graphql Query.users")
          expect(resolver).toBeDefined()
          const trace = spans().filter((span) => span.traceId === resolver!.traceId)
          expect(trace.map((span) => span.name)).toEqual(expect.arrayContaining(["http.server POST", "graphql Query.users", "graphql batch auth/roleById", "sql.execute"]))
          return { resolver: resolver!, trace }
        }))
        const root = trace.find((span) => span.parentSpanId === undefined || span.parentSpanId === "")
        expect(root?.name).toBe("http.server POST")
        expect(resolver.parentSpanId).toBe(root?.spanId)
      }))
  })
})
