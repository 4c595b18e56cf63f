/**
 * OpenTelemetry for the process. With OTEL_EXPORTER_OTLP_ENDPOINT set, spans go there over OTLP/HTTP:
 * one per HTTP request (@effect/platform's tracer), per resolver and DataLoader batch (graphql/Schema.ts,
 * Loaders.ts) and per SQL statement (@effect/sql). Without it no span is made at all: Effect would
 * still build them (a request's with its URL and headers as attributes) for no one, which cost about
 * 8% of the CPU of a `{ __typename }` request at 32 connections (0.58 -> 0.53 ms).
 * Either way the OpenTelemetry Resource names the service, for /metrics (MetricsRoute.ts).
 */
import { HttpMiddleware } from "@effect/platform"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as Resource from "@effect/opentelemetry/Resource"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer, Option } from "effect"
import type { ObservabilityConfig } from "../Config.js"

const untraced = Layer.merge(
  Layer.setTracerEnabled(false),
  Layer.fiberRefLocallyScopedWith(HttpMiddleware.currentTracerDisabledWhen, () => () => true)
)

/** The endpoint's traces path: the OTLP convention for the base endpoint variable. */
const tracesUrl = (endpoint: URL) => new URL("v1/traces", endpoint.href.endsWith("/") ? endpoint : `${endpoint.href}/`).href

export const layer = (config: Pick<ObservabilityConfig, "otlpEndpoint" | "serviceName">): Layer.Layer<Resource.Resource> =>
  Option.match(config.otlpEndpoint, {
    onNone: () => Layer.merge(Resource.layer({ serviceName: config.serviceName }), untraced),
    onSome: (endpoint) =>
      NodeSdk.layer(() => ({
        resource: { serviceName: config.serviceName },
        spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }))
      }))
  })
