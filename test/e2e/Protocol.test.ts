/**
 * GraphQL over HTTP, over real HTTP: graphql-http's audit suite of the spec, then each malformed
 * request a client can send, answered 4xx with a GraphQL-shaped body (code BAD_REQUEST, the request id),
 * content negotiation by Accept, and GET for queries only.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { serverAudits } from "graphql-http"
import * as Http from "node:http"
import { type Answer, errors, get, graphqlType, jsonType, mediaType, post, send } from "../support/HttpProbe.js"
import { queryLimits, TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

/** The answer is one BAD_REQUEST refusal saying `message`, carrying the id the x-request-id header has. */
const refused = (answer: Answer, status: number, message: string | RegExp) => {
  expect(answer.status).toBe(status)
  const [error, ...more] = errors(answer)
  expect(more).toEqual([])
  expect(error?.code).toBe("BAD_REQUEST")
  expect(error?.message).toMatch(message)
  expect(error?.requestId).toBe(answer.headers.get("x-request-id"))
  expect(answer.json).not.toHaveProperty("data")
}

/** POSTs `body` chunked (no Content-Length), 64 KiB at a time, and reads the answer even if it comes before the end. */
const postChunked = (url: string, body: string) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    let answered = false
    const request = Http.request(url, { method: "POST", headers: { "content-type": jsonType, "transfer-encoding": "chunked" } }, (response) => {
      answered = true
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }))
    })
    // The server stops reading and closes once it has answered: the rest of the upload fails, as it should.
    request.on("error", () => {})
    request.on("close", () => answered ? undefined : reject(new Error("connection closed without an answer")))
    const send = (offset: number): void => {
      if (offset >= body.length) return void request.end()
      if (request.write(body.slice(offset, offset + 65_536))) return send(offset + 65_536)
      request.once("drain", () => send(offset + 65_536))
    }
    send(0)
  })

describe("GraphQL over HTTP", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("passes every audit of graphql-http's spec suite, MUST, SHOULD and MAY", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* TestServer
        const results = yield* Effect.promise(() => Promise.all(serverAudits({ url: `${baseUrl}/graphql` }).map((audit) => audit.fn())))
        const failing = results.flatMap((result) => result.status === "ok" ? [] : [`${result.id} ${result.name}: ${result.reason}`])
        const musts = results.filter((result) => result.name.startsWith("MUST"))
        console.log(`GraphQL-over-HTTP audits: ${results.length - failing.length}/${results.length} pass (${musts.length} MUST)`)
        expect(musts.length).toBeGreaterThan(10)
        expect(failing).toEqual([])
      }))

    it.effect("a body that is not JSON, or not a JSON object, is refused with 400", () =>
      Effect.gen(function*() {
        refused(yield* post("{\"query\": "), 400, "The request body is not valid JSON")
        refused(yield* post("[{\"query\":\"{ __typename }\"}]"), 400, "Batched requests (a JSON array) are not supported")
        refused(yield* post("\"{ __typename }\""), 400, "must be a JSON object")
        refused(yield* post(""), 400, "no body")
      }))

    it.effect("a body that is not application/json is refused with 415", () =>
      Effect.gen(function*() {
        for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/graphql", "application/json; charset=latin1"]) {
          const answer = yield* send("/graphql", { method: "POST", headers: { "content-type": contentType }, body: "{\"query\":\"{ __typename }\"}" })
          refused(answer, 415, "Unsupported Content-Type")
        }
      }))

    it.effect("a missing or non-string query is refused with 400", () =>
      Effect.gen(function*() {
        refused(yield* post({}), 400, "\"query\" is missing")
        refused(yield* post({ query: null, variables: {} }), 400, "\"query\" is missing")
        refused(yield* post({ query: { kind: "Document" } }), 400, "\"query\" must be a string")
        refused(yield* get({}), 400, "\"query\" is missing")
      }))

    it.effect("variables that are not an object are refused with 400; null and an object are taken", () =>
      Effect.gen(function*() {
        for (const variables of [[1], "{\"a\":1}", 5, true]) {
          refused(yield* post({ query: "{ __typename }", variables }), 400, "\"variables\" must be a JSON object")
        }
        for (const variables of [null, {}, { unused: 1 }]) {
          expect((yield* post({ query: "{ __typename }", variables })).json).toEqual({ data: { __typename: "Query" } })
        }
        refused(yield* get({ query: "{ __typename }", variables: "{not json" }), 400, "not valid JSON")
      }))

    it.effect("operationName must be a string naming an operation of the document", () =>
      Effect.gen(function*() {
        const document = "query A { a: __typename } query B { b: __typename }"
        expect((yield* post({ query: document, operationName: "B" })).json).toEqual({ data: { b: "Query" } })
        refused(yield* post({ query: document, operationName: 7 }), 400, "\"operationName\" must be a string")
        for (const accept of [jsonType, graphqlType]) {
          const unknown = yield* post({ query: document, operationName: "C" }, accept)
          expect(unknown.status).toBe(accept === jsonType ? 200 : 400)
          expect(errors(unknown)).toEqual([{ code: "OPERATION_RESOLUTION_FAILURE", message: "Unknown operation named \"C\"", requestId: unknown.headers.get("x-request-id") }])
          const unnamed = yield* post({ query: document }, accept)
          expect(errors(unnamed).map((error) => error.code)).toEqual(["OPERATION_RESOLUTION_FAILURE"])
          expect(unnamed.json).not.toHaveProperty("data")
        }
      }))

    it.effect("extensions are taken when a map (and ignored), refused otherwise", () =>
      Effect.gen(function*() {
        expect((yield* post({ query: "{ __typename }", extensions: { persistedQuery: { version: 1 } } })).status).toBe(200)
        refused(yield* post({ query: "{ __typename }", extensions: [1] }), 400, "\"extensions\" must be a JSON object")
      }))

    it.effect("GET runs queries; a mutation over GET is refused with 405 and Allow: POST", () =>
      Effect.gen(function*() {
        expect((yield* get({ query: "query Q { __typename }", operationName: "Q" })).json).toEqual({ data: { __typename: "Query" } })
        const mutation = "mutation { authenticate(command: { accessKey: \"admin\", password: \"x\" }) { token { value } } }"
        const answer = yield* get({ query: mutation })
        refused(answer, 405, "GET may only run queries")
        expect(answer.headers.get("allow")).toBe("POST")
        // Picked by operationName from a document that also has a query: still a mutation.
        refused(yield* get({ query: `query Q { __typename } ${mutation.replace("mutation", "mutation M")}`, operationName: "M" }), 405, "GET may only run queries")
      }))

    it.effect("other methods are refused with 405 and Allow: GET, POST", () =>
      Effect.gen(function*() {
        for (const method of ["PUT", "DELETE", "PATCH"]) {
          const answer = yield* send("/graphql", { method, headers: { "content-type": jsonType }, body: "{\"query\":\"{ __typename }\"}" })
          refused(answer, 405, `${method} is not allowed`)
          expect(answer.headers.get("allow")).toBe("GET, POST")
        }
      }))

    it.effect("Accept chooses the media type, q-values included; none acceptable is 406", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [string, string]> = [
          [graphqlType, graphqlType],
          [jsonType, jsonType],
          ["*/*", jsonType],
          ["application/*", jsonType],
          ["", jsonType],
          [`${jsonType}, ${graphqlType}`, graphqlType],
          [`${jsonType};q=0.5, ${graphqlType}`, graphqlType],
          [`${graphqlType};q=0.2, ${jsonType}`, jsonType],
          [`text/html;q=0.9, ${graphqlType};q=0.8`, graphqlType]
        ]
        for (const [accept, expected] of cases) {
          const answer = yield* post({ query: "{ __typename }" }, accept)
          expect([accept, answer.status, mediaType(answer)]).toEqual([accept, 200, expected])
        }
        for (const accept of ["image/png", `${graphqlType};q=0, ${jsonType};q=0`, "text/*"]) {
          const answer = yield* post({ query: "{ __typename }" }, accept)
          refused(answer, 406, "Not acceptable")
          expect(answer.headers.get("accept")).toContain(graphqlType)
        }
      }))

    it.effect("a refusal comes in the negotiated media type, with 400 for either", () =>
      Effect.gen(function*() {
        for (const accept of [graphqlType, jsonType]) {
          const answer = yield* post("{oops", accept)
          refused(answer, 400, "not valid JSON")
          expect(mediaType(answer)).toBe(accept)
        }
      }))

    it.effect("a body over GRAPHQL_MAX_BODY_BYTES is refused with 413, whether its length is declared or not", () =>
      Effect.gen(function*() {
        const query = `{ __typename }${" ".repeat(queryLimits.maxBodyBytes)}`
        refused(yield* post({ query }), 413, `larger than ${queryLimits.maxBodyBytes} bytes`)
        const { baseUrl } = yield* TestServer
        const chunked = yield* Effect.promise(() => postChunked(`${baseUrl}/graphql`, JSON.stringify({ query })))
        expect(chunked.status).toBe(413)
        expect(JSON.parse(chunked.body).errors[0].extensions.code).toBe("BAD_REQUEST")
      }))
  })
})
