/**
 * Fuzzing the running server over HTTP (test/support/FuzzRequests.ts): for FUZZ_SECONDS (15 by default)
 * fast-check sends mutated and random documents, variables, bodies and headers. Every answer must be
 * below 500, a GraphQL response (JSON with `data` or `errors`) whose every error has a code and the
 * request's id, and free of stack traces; afterwards the server must still answer. Prints how many
 * requests it sent and the statuses seen.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import fc from "fast-check"
import * as FuzzRequests from "../support/FuzzRequests.js"
import { type Answer, post, send } from "../support/HttpProbe.js"
import { adminToken } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const seconds = Number(process.env["FUZZ_SECONDS"] ?? 15)

/** fetch refuses header values outside visible ASCII; what it cannot send is not the server's to answer. */
const headerValue = (value: string) => value.replace(/[^\x20-\x7e]/g, "")

const toInit = (request: FuzzRequests.FuzzRequest, token: string): { readonly path: string; readonly init: RequestInit } => {
  const headers: Record<string, string> = {}
  if (request.contentType !== undefined) headers["content-type"] = headerValue(request.contentType)
  if (request.accept !== undefined) headers["accept"] = headerValue(request.accept)
  if (request.authorization !== undefined) headers["authorization"] = request.authorization === "admin" ? `Bearer ${token}` : headerValue(request.authorization)
  if (request.requestId !== undefined) headers["x-request-id"] = headerValue(request.requestId)
  if (request.method === "GET" || request.method === "HEAD") {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(request.params)) {
      if (value !== undefined) search.set(key, typeof value === "string" ? value : JSON.stringify(value))
    }
    return { path: `/graphql?${search}`, init: { method: request.method, headers } }
  }
  return { path: "/graphql", init: { method: request.method, headers, body: request.rawBody ?? JSON.stringify(request.params) } }
}

/** What every answer must be, whatever was asked. */
const checkAnswer = (request: FuzzRequests.FuzzRequest, answer: Answer) => {
  expect(answer.status).toBeLessThan(500)
  expect(answer.text).not.toMatch(/\n\s+at \S|\.ts:\d+:\d+/)
  const contentType = answer.headers.get("content-type") ?? ""
  // Answers that are not the API's: HEAD has no body, a CORS preflight none, a browser's GET gets
  // GraphiQL, and Node itself refuses a URL past its header limit (431) before the server sees it.
  if (request.method === "HEAD" || request.method === "OPTIONS" || answer.status === 431) return
  if (request.method === "GET" && contentType.startsWith("text/html")) return expect(answer.status).toBe(200)
  expect(contentType).toMatch(/^application\/(graphql-response\+)?json/)
  expect(answer.json === undefined ? answer.text : "json").toBe("json")
  expect(typeof answer.json).toBe("object")
  expect("data" in answer.json || "errors" in answer.json).toBe(true)
  // The spec's MUST for its own media type: no data (nothing executed) is never a 2xx.
  if (contentType.startsWith("application/graphql-response+json")) expect(answer.status === 200).toBe("data" in answer.json)
  for (const error of answer.json.errors ?? []) {
    expect(typeof error.message).toBe("string")
    expect(typeof error.extensions?.code).toBe("string")
    expect(error.extensions?.requestId).toBe(answer.headers.get("x-request-id"))
  }
}

describe(`fuzzing /graphql for ${seconds} s`, () => {
  // Live services: the server's timeouts and retries run on the real clock.
  layer(TestServerLayer.layer, { timeout: Duration.seconds(seconds + 60), excludeTestServices: true })((it) => {
    it.effect("no answer is a 5xx or not a GraphQL response, and the server still answers after", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const context = yield* Effect.context<TestServerLayer.TestServer>()
        const statuses = new Map<number, number>()
        const codes = new Map<string, number>()
        let sent = 0
        const property = fc.asyncProperty(FuzzRequests.request, async (request) => {
          const { path, init } = toInit(request, token)
          const answer = await Effect.runPromise(send(path, init).pipe(Effect.provide(context)))
          sent += 1
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          for (const error of answer.json?.errors ?? []) codes.set(String(error.extensions?.code), (codes.get(String(error.extensions?.code)) ?? 0) + 1)
          checkAnswer(request, answer)
        })
        const started = Date.now()
        yield* Effect.promise(() =>
          fc.assert(property, { numRuns: Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(seconds * 1000)] })
        )
        const elapsed = (Date.now() - started) / 1000
        console.log(`fuzz: ${sent} requests in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`)
        expect(sent).toBeGreaterThan(0)
        expect((yield* send("/healthz")).status).toBe(200)
        expect((yield* post({ query: "{ __typename }" })).json).toEqual({ data: { __typename: "Query" } })
      }), (seconds + 30) * 1000)
  })
})
