/**
 * Requests a test gives up on, as a client that times out or navigates away does: an AbortController
 * aborts each (destroying its connection) when the test chooses. Each goes on a connection of its own
 * and carries the x-request-id the test gives it, so the server's log line for it can be found.
 */
import * as Http from "node:http"
import type { RawAnswer } from "./RawHttp.js"

export interface Abortable {
  readonly requestId: string
  /** Resolves once the request (or, when `partial`, the part of it that is sent) is handed to the connection. */
  readonly sent: Promise<void>
  /** The answer; rejects when aborted before it, or when the connection closes without one. */
  readonly answer: Promise<RawAnswer>
  readonly abort: () => void
}

export interface AbortableOptions {
  readonly token?: string
  /** Announce the whole body but send only its first half: a request still being received. */
  readonly partial?: boolean
}

/** POSTs a GraphQL operation to 127.0.0.1:`port`, identified by `requestId`. */
export const postGraphql = (
  port: number,
  requestId: string,
  operation: { readonly query: string; readonly variables?: Record<string, unknown> },
  options: AbortableOptions = {}
): Abortable => {
  const body = JSON.stringify(operation)
  const controller = new AbortController()
  let sent!: () => void
  const sentPromise = new Promise<void>((resolve) => (sent = resolve))
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const request = Http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/graphql",
      agent: false,
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        "content-length": Buffer.byteLength(body),
        "x-request-id": requestId,
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` })
      }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text, at: Date.now() }))
      response.on("error", reject)
    })
    request.on("error", reject)
    if (options.partial === true) request.write(body.slice(0, body.length >> 1), () => sent())
    else request.end(body, () => sent())
  })
  // Aborting is the point: a test that does not await the answer must not fail on its rejection.
  answer.catch(() => {})
  return { requestId, sent: sentPromise, answer, abort: () => controller.abort() }
}
