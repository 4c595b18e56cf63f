/**
 * GET /metrics in the Prometheus text format: every Effect metric of the process (requests, errors
 * by code, rate-limit refusals, conflict retries, …) through @effect/opentelemetry's producer and
 * OpenTelemetry's Prometheus serializer, plus the gauges sampled at each scrape (Gauges.ts).
 * With METRICS_TOKEN set, only `Authorization: Bearer <token>` gets an answer.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as Metrics from "@effect/opentelemetry/Metrics"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { Effect, Option, type Redacted } from "effect"
import * as Gauges from "./Gauges.js"
import * as MetricsToken from "./MetricsToken.js"

export const path = "/metrics"

const authorised = (token: Option.Option<Redacted.Redacted>, authorization: string | undefined) =>
  Option.match(token, { onNone: () => true, onSome: (secret) => MetricsToken.presented(secret, authorization) })

export interface Options {
  readonly token: Option.Option<Redacted.Redacted>
  /** The outbox is relayed to NATS (its lag is reported), or the subscribers run here (theirs is). */
  readonly relay: boolean
}

export const routes = (options: Options) =>
  Effect.gen(function*() {
    const exporter = new PrometheusExporter({ preventServerStart: true })
    yield* Metrics.registerProducer(yield* Metrics.makeProducer, () => exporter)
    const serializer = new PrometheusSerializer()
    const sample = yield* Gauges.sample(options.relay)
    const scrape = Effect.zipRight(sample, Effect.promise(() => exporter.collect())).pipe(
      Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics))
    )
    const handler = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!authorised(options.token, request.headers["authorization"])) {
        return HttpServerResponse.unsafeJson({ error: "METRICS_TOKEN required" }, { status: 401, headers: { "www-authenticate": "Bearer" } })
      }
      return HttpServerResponse.text(yield* scrape, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
    })
    return HttpRouter.empty.pipe(HttpRouter.get(path, handler))
  })
