/**
 * The edge under requests that take too long, fail inside, or come too slowly, over real HTTP on a
 * server of its own (production-like: suggestions and introspection off, a 1 s REQUEST_TIMEOUT, slow
 * clients cut after 1 s / 2 s) that also serves the test-only probe module. A request past the
 * timeout is stopped with its transaction rolled back and answered 503 REQUEST_TIMEOUT; internal
 * failures reach the client as "Internal server error" only; every log line, at every level, names
 * the request it was written for.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, HashMap, Layer, Logger, LogLevel, Option } from "effect"
import * as Net from "node:net"
import { type Answer, errors, graphqlType, jsonType, post, send } from "../support/HttpProbe.js"
import * as ProbeApi from "../support/ProbeApi.js"
import { stalledRequest } from "../support/RawHttp.js"
import { randomKey } from "../support/RandomRefs.js"
import { TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

interface LogLine {
  readonly level: string
  readonly message: string
  readonly requestId: unknown
}

/** Every line the server logs, at every level; tests read the lines of their own requests. */
const logged: Array<LogLine> = []
const capture = Logger.make(({ annotations, logLevel, message }) => {
  logged.push({ level: logLevel.label, message: String(message), requestId: Option.getOrUndefined(HashMap.get(annotations, "requestId")) })
})

const hardened = TestServerLayer.make(
  { headersTimeout: Duration.seconds(1), receiveTimeout: Duration.seconds(2) },
  {},
  TestServerLayer.rateLimits,
  { modules: [ProbeApi.api], limits: { requestTimeout: Duration.seconds(1), suggestions: false, introspection: false } },
  LogLevel.All
).pipe(Layer.provide(Logger.replace(Logger.defaultLogger, capture)))

/** A field that would sleep ten minutes: an answer at all within the test's time means it was stopped. */
const tooSlow = "{ sleep(ms: 600000) }"

/**
 * Slow clients must be cut by the configured timeouts (1 s, 2 s), not Node's defaults (60 s for
 * headers, 300 s for a request): a wait this long tells the two apart without timing anything.
 */
const beforeNodeDefaults = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(effect, { duration: Duration.seconds(30), onTimeout: () => new Error("not cut within 30 s: Node's default timeouts apply, not the configured ones") })

const requestId = (answer: Answer) => answer.headers.get("x-request-id")

/** One error with this code and message, carrying the request's id. */
const onlyError = (answer: Answer, code: string, message: string | RegExp) => {
  const [error, ...more] = errors(answer)
  expect(more).toEqual([])
  expect(error?.code).toBe(code)
  expect(error?.message).toMatch(message)
  expect(error?.requestId).toBe(requestId(answer))
}

/** Sends part of a request's headers and then nothing; resolves, once it is connected, with its closing. */
const stalledHeaders = (port: number) =>
  Effect.async<{ readonly closed: Promise<{ readonly received: string; readonly at: number }> }>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => (received += chunk))
    socket.on("error", () => {})
    const closed = new Promise<{ received: string; at: number }>((resolve) => socket.once("close", () => resolve({ received, at: Date.now() })))
    socket.once("connect", () =>
      socket.write("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n", () => resume(Effect.succeed({ closed }))))
  })

/** A variable whose input object misspells a field: refused while coercing, with a suggestion when they are on. */
const misspeltVariable = {
  query: "mutation ($c: Credentials!) { authenticate(command: $c) { accessKey } }",
  variables: { c: { accessKey: "a", acessKey: "a", password: "b" } }
}

const portOf = Effect.map(TestServer, ({ baseUrl }) => Number(new URL(baseUrl).port))

describe("hardening, on a production-like server", () => {
  // Live services: the server's timeouts and the probe's sleeps run on the real clock, not a TestClock.
  layer(hardened, { timeout: Duration.seconds(60), excludeTestServices: true })((it) => {
    it.effect("a request past REQUEST_TIMEOUT is stopped and answered 503 REQUEST_TIMEOUT; a quicker one is not", () =>
      Effect.gen(function*() {
        const quick = yield* post({ query: "{ sleep(ms: 50) }" })
        expect([quick.status, quick.json]).toEqual([200, { data: { sleep: 50 } }])
        for (const accept of [jsonType, graphqlType]) {
          const slow = yield* post({ query: tooSlow }, accept)
          expect(slow.status).toBe(503)
          onlyError(slow, "REQUEST_TIMEOUT", /longer than 1s \(REQUEST_TIMEOUT\)/)
          expect(slow.json).not.toHaveProperty("data")
          expect(logged).toContainEqual({ level: "WARN", message: "request stopped after 1s (REQUEST_TIMEOUT)", requestId: requestId(slow) })
        }
        expect((yield* send("/healthz")).status).toBe(200)
      }))

    it.effect("a transaction still open at the timeout is rolled back before the answer leaves", () =>
      Effect.gen(function*() {
        const write = (id: string, ms: number) => post({ query: `mutation { writeThenSleep(id: "${id}", ms: ${ms}) }` })
        const written = (id: string) => Effect.map(post({ query: `{ probeWritten(id: "${id}") }` }), (answer) => answer.json.data.probeWritten)
        const committed = randomKey("committed")
        expect((yield* write(committed, 10)).json).toEqual({ data: { writeThenSleep: true } })
        expect(yield* written(committed)).toBe(true)
        const stopped = randomKey("stopped")
        const answer = yield* write(stopped, 600_000)
        expect(answer.status).toBe(503)
        onlyError(answer, "REQUEST_TIMEOUT", /rolled back/)
        expect(yield* written(stopped)).toBe(false)
      }))

    it.effect("an internal failure answers only 'Internal server error': no message, SQL, host or stack; the log has it all", () =>
      Effect.gen(function*() {
        for (const field of ["probeDefect", "probeSqlError", "probeNull"]) {
          const answer = yield* post({ query: `{ ${field} __typename }` })
          expect(answer.status).toBe(200)
          onlyError(answer, "INTERNAL_SERVER_ERROR", /^Internal server error$/)
          expect(answer.json.errors[0].path).toEqual([field])
          // A non-null field's null takes its parent, here the whole data, with it.
          expect(answer.json.data).toEqual(field === "probeNull" ? null : { [field]: null, __typename: "Query" })
          expect(answer.text).not.toContain("Cannot return null")
          for (const secret of [...ProbeApi.secrets, "no_such_table", "relation", "42P01"]) expect(answer.text).not.toContain(secret)
          expect(answer.text).not.toMatch(/\bat \S+ \(|\.ts:\d+/)
          const lines = logged.filter((line) => line.requestId === requestId(answer))
          expect(lines.map((line) => line.level)).toContain("ERROR")
        }
      }))

    it.effect("with suggestions off, a misspelt field or enum value is refused without 'Did you mean'", () =>
      Effect.gen(function*() {
        const field = yield* post({ query: "{ me { acessKey } }" })
        onlyError(field, "GRAPHQL_VALIDATION_FAILED", "Cannot query field \"acessKey\" on type \"User\".")
        const value = yield* post({ query: "{ permissions(action: GTE) { totalCount } }" })
        onlyError(value, "GRAPHQL_VALIDATION_FAILED", /^Value "GTE" does not exist in "PermissionActionEnum" enum\.$/)
        const variable = yield* post(misspeltVariable)
        onlyError(variable, "BAD_USER_INPUT", /Field "acessKey" is not defined by type "Credentials"\.$/)
        expect(field.text + value.text + variable.text).not.toContain("Did you mean")
      }))

    it.effect("with introspection off, __schema is refused", () =>
      Effect.gen(function*() {
        const answer = yield* post({ query: "{ __schema { queryType { name } } }" })
        expect(answer.json).not.toHaveProperty("data")
        expect(errors(answer).length).toBeGreaterThan(0)
        for (const error of errors(answer)) expect(error).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", message: expect.stringMatching(/introspection/i) })
      }))

    it.effect("a client that does not finish its headers in HEADERS_TIMEOUT (1 s) gets 408 and is disconnected, before one stalled in its body", () =>
      Effect.gen(function*() {
        const port = yield* portOf
        // Started together: only the headers timeout, shorter than the whole request's, cuts the first one first.
        const [headers, body] = yield* Effect.all([stalledHeaders(port), stalledRequest(port)], { concurrency: 2 })
        const [inHeaders, inBody] = yield* beforeNodeDefaults(Effect.promise(() => Promise.all([headers.closed, body.closed])))
        expect(inHeaders.received).toMatch(/^HTTP\/1\.1 408 /)
        expect(inBody.received).toMatch(/^HTTP\/1\.1 408 /)
        expect(inHeaders.at, "the stalled headers were cut first").toBeLessThan(inBody.at)
      }))

    it.effect("a client that does not finish its body in RECEIVE_TIMEOUT (2 s) gets 408 and is disconnected", () =>
      Effect.gen(function*() {
        const stalled = yield* Effect.flatMap(portOf, stalledRequest)
        const closed = yield* beforeNodeDefaults(Effect.promise(() => stalled.closed))
        expect(closed.received).toMatch(/^HTTP\/1\.1 408 /)
        expect((yield* send("/healthz")).status).toBe(200)
      }))

    it.effect("every log line written while serving requests names its request, at every level", () =>
      Effect.gen(function*() {
        const from = logged.length
        const answers = [
          yield* send("/healthz"), // a probe: DEBUG
          yield* post({ query: "{ __typename }" }, jsonType, { authorization: "Basic YWRtaW46YWRtaW4=" }), // DEBUG and INFO
          yield* post({ query: tooSlow }), // stopped: WARN
          yield* post({ query: "{ probeDefect }" }) // an internal failure: ERROR
        ]
        const ids = answers.map(requestId)
        expect(ids.every((id) => id !== null)).toBe(true)
        const lines = logged.slice(from)
        expect(new Set(lines.map((line) => line.level))).toEqual(new Set(["DEBUG", "INFO", "WARN", "ERROR"]))
        expect(lines.filter((line) => !ids.includes(line.requestId as string | null))).toEqual([])
      }))
  })
})

describe("suggestions on (the development default)", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("a misspelt field's or variable's refusal suggests the right name", () =>
      Effect.gen(function*() {
        const answer = yield* post({ query: "{ me { acessKey } }" })
        onlyError(answer, "GRAPHQL_VALIDATION_FAILED", "Cannot query field \"acessKey\" on type \"User\". Did you mean \"accessKey\"?")
        onlyError(yield* post(misspeltVariable), "BAD_USER_INPUT", /Did you mean "accessKey"\?$/)
      }))
  })
})
