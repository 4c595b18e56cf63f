/**
 * Requests a test gives up on, as a client that times out or navigates away does: an AbortController
 * aborts each (destroying its connection) when the test chooses. Each goes on a connection of its own
 * and carries the x-request-id the test gives it, so the server's log line for it can be found.
 */
import type { RawAnswer } from "./RawHttp.js"
import * as RawHttp from "./RawHttp.js"

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
  const controller = new AbortController()
  const inFlight = RawHttp.postGraphql(port, operation.query, operation.variables ?? {}, { ...options, requestId, signal: controller.signal })
  // Aborting is the point: a test that does not await the answer must not fail on its rejection.
  inFlight.answer.catch(() => {})
  return { requestId, sent: inFlight.sent, answer: inFlight.answer, abort: () => controller.abort() }
}
