/** Security headers on every response, and CORS only for the configured origins. */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { corsOrigins, TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const request = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(TestServer, ({ baseUrl }) => Effect.promise(() => fetch(`${baseUrl}${path}`, init)))

const graphqlPost = (headers: Record<string, string>) =>
  request("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: "{ __typename }" })
  })

describe("response headers", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("every response carries the security headers", () =>
      Effect.gen(function*() {
        for (const response of [yield* graphqlPost({}), yield* request("/healthz"), yield* request("/nowhere")]) {
          expect(response.headers.get("x-content-type-options")).toBe("nosniff")
          expect(response.headers.get("referrer-policy")).toBe("no-referrer")
          expect(response.headers.get("x-frame-options")).toBe("DENY")
          expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'")
        }
      }))

    it.effect("a preflight from an allowed origin is answered; from any other origin it gets no CORS headers", () =>
      Effect.gen(function*() {
        const preflight = (origin: string) =>
          request("/graphql", {
            method: "OPTIONS",
            headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" }
          })
        const allowed = yield* preflight(corsOrigins[0]!)
        expect(allowed.headers.get("access-control-allow-origin")).toBe(corsOrigins[0])
        expect(allowed.headers.get("access-control-allow-methods")).toContain("POST")
        expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization")
        const other = yield* preflight("https://evil.example")
        expect(other.headers.get("access-control-allow-origin")).toBeNull()
      }))

    it.effect("a cross-origin call from an allowed origin may read the answer and its request id", () =>
      Effect.gen(function*() {
        const response = yield* graphqlPost({ origin: corsOrigins[0]! })
        expect(response.status).toBe(200)
        expect(response.headers.get("access-control-allow-origin")).toBe(corsOrigins[0])
        expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id")
        expect((yield* graphqlPost({ origin: "https://evil.example" })).headers.get("access-control-allow-origin")).toBeNull()
      }))
  })
})
