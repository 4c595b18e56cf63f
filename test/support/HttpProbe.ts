/**
 * Requests a well-behaved client would not send, to the e2e server (TestServer): any method, headers
 * and body, with the answer kept whole (status, headers, raw text, and the JSON when it parses), for
 * the protocol, hardening and fuzz tests.
 */
import { Effect } from "effect"
import { TestServer } from "./TestServer.js"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed body; undefined when it is not JSON. */
  // any: tests read GraphQL responses of any shape and assert on them with expect().
  readonly json: any
}

export const jsonType = "application/json"
export const graphqlType = "application/graphql-response+json"

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** `path` (with its query string) on the test server, as `init` says; a connection error fails the test. */
export const send = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(TestServer, ({ baseUrl }) =>
    Effect.promise(async (): Promise<Answer> => {
      const response = await fetch(`${baseUrl}${path}`, init)
      const text = await response.text()
      return { status: response.status, headers: response.headers, text, json: parse(text) }
    }))

/** POSTs `body` (serialised unless already a string) to /graphql as JSON, accepting `accept`. */
export const post = (body: unknown, accept: string = jsonType, headers: Record<string, string> = {}) =>
  send("/graphql", {
    method: "POST",
    headers: { "content-type": jsonType, accept, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** GETs /graphql with these parameters (objects are JSON-encoded, as the spec's GET asks). */
export const get = (params: Record<string, unknown>, accept: string = jsonType) => {
  const search = new URLSearchParams(
    Object.entries(params).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])
  )
  return send(`/graphql?${search}`, { headers: { accept } })
}

/** The answer's media type without parameters. */
export const mediaType = (answer: Answer) => answer.headers.get("content-type")?.split(";")[0]?.trim()

/** `{ code, message, requestId }` of each error, for asserting a refusal exactly. */
export const errors = (answer: Answer): ReadonlyArray<{ readonly code: unknown; readonly message: unknown; readonly requestId: unknown }> =>
  // any: the error objects of a GraphQL response, read field by field.
  (answer.json?.errors ?? []).map((error: any) => ({ code: error.extensions?.code, message: error.message, requestId: error.extensions?.requestId }))
