/**
 * A GraphQL request's span, "http.server <METHOD>" as @effect/platform names the other routes',
 * continuing the caller's W3C trace context: the parent of its resolvers' spans. Made only when
 * tracing is on (Telemetry.ts); otherwise nothing is built.
 */
import { Headers, HttpTraceContext } from "@effect/platform"
import { Clock, Effect, Exit, FiberRef, FiberRefs, Option, Runtime, type Tracer } from "effect"
import type * as Http from "node:http"

export const start = <R>(runtime: Runtime.Runtime<R>, request: Http.IncomingMessage, path: string): Tracer.Span | undefined => {
  if (!FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentTracerEnabled)) return undefined
  const method = request.method ?? "GET"
  return Runtime.runSync(runtime)(Effect.makeSpan(`http.server ${method}`, {
    kind: "server",
    parent: Option.getOrUndefined(HttpTraceContext.fromHeaders(Headers.fromInput(request.headers))),
    attributes: { "http.request.method": method, "url.path": path },
    captureStackTrace: false
  }))
}

export const end = <R>(runtime: Runtime.Runtime<R>, span: Tracer.Span, status: number): void =>
  Runtime.runSync(runtime)(Effect.map(Clock.currentTimeNanos, (now) => {
    span.attribute("http.response.status_code", status)
    span.end(now, Exit.void)
  }))
