/**
 * The edge under requests that take too long, fail inside, or come too slowly, over real HTTP on a
 * server of its own (production-like: suggestions and introspection off, a 1 s REQUEST_TIMEOUT, slow
 * clients cut after 1 s / 2 s) that also serves the test-only probe module. A request past the
 * timeout is stopped with its transaction rolled back and answered 503 REQUEST_TIMEOUT; internal
 * failures reach the client as "Internal server error" only; every log line they cause names the request.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, HashMap, Layer, Logger, Option } from "effect"
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

const logged: Array<LogLine> = []
const capture = Logger.make(({ annotations, logLevel, message }) => {
  logged.push({ level: logLevel.label, message: String(message), requestId: Option.getOrUndefined(HashMap.get(annotations, "requestId")) })
})

const hardened = TestServerLayer.make(
  { headersTimeout: Duration.seconds(1), receiveTimeout: Duration.seconds(2) },
  {},
  TestServerLayer.rateLimits,
  { modules: [ProbeApi.api], limits: { requestTimeout: Duration.seconds(1), suggestions: false, introspection: false } }
).pipe(Layer.provide(Logger.replace(Logger.defaultLogger, capture)))

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([duration, value]) => ({ millis: Duration.toMillis(duration), value }))

const requestId = (answer: Answer) => answer.headers.get("x-request-id")

/** One error with this code and message, carrying the request's id. */
const onlyError = (answer: Answer, code: string, message: string | RegExp) => {
  const [error, ...more] = errors(answer)
  expect(more).toEqual([])
  expect(error?.code).toBe(code)
  expect(error?.message).toMatch(message)
  expect(error?.requestId).toBe(requestId(answer))
}

/** Sends part of a request's headers and then nothing; resolves with what the server wrote when it closed. */
const stalledHeaders = (port: number) =>
  Effect.async<{ readonly received: string }>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => (received += chunk))
    socket.on("error", () => {})
    socket.once("close", () => resume(Effect.succeed({ received })))
    socket.once("connect", () => socket.write("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"))
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
          const { millis, value: slow } = yield* timed(post({ query: "{ sleep(ms: 20000) }" }, accept))
          expect(slow.status).toBe(503)
          onlyError(slow, "REQUEST_TIMEOUT", /longer than 1s \(REQUEST_TIMEOUT\)/)
          expect(slow.json).not.toHaveProperty("data")
          expect(millis).toBeLessThan(10_000)
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
        const answer = yield* write(stopped, 20_000)
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

    it.effect("a client that does not finish its headers in HEADERS_TIMEOUT (1 s) gets 408 and is disconnected", () =>
      Effect.gen(function*() {
        const { millis, value } = yield* timed(Effect.flatMap(portOf, stalledHeaders))
        expect(value.received).toMatch(/^HTTP\/1\.1 408 /)
        expect(millis).toBeGreaterThanOrEqual(900)
        expect(millis).toBeLessThan(8_000)
      }))

    it.effect("a client that does not finish its body in RECEIVE_TIMEOUT (2 s) gets 408 and is disconnected", () =>
      Effect.gen(function*() {
        const started = Date.now()
        const stalled = yield* Effect.flatMap(portOf, stalledRequest)
        const closed = yield* Effect.promise(() => stalled.closed)
        expect(closed.received).toMatch(/^HTTP\/1\.1 408 /)
        expect(closed.at - started).toBeGreaterThanOrEqual(1_900)
        expect(closed.at - started).toBeLessThan(9_000)
        expect((yield* send("/healthz")).status).toBe(200)
      }))

    it.effect("every log line written while serving those requests names its request", () =>
      Effect.sync(() => {
        expect(logged.length).toBeGreaterThan(0)
        expect(logged.filter((line) => line.requestId === undefined)).toEqual([])
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
