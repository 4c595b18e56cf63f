/**
 * A request id per HTTP request: on every log line written while serving it (`requestId`
 * annotation) and in the `x-request-id` response header, so a client's report finds the server's logs.
 */
import { randomUUID } from "node:crypto"
import type * as Http from "node:http"

export const header = "x-request-id"

/** A proxy's id is kept so logs correlate across hops; anything that could forge log lines is replaced. */
const safeId = /^[A-Za-z0-9._:-]{8,128}$/

export const of = (headers: Http.IncomingHttpHeaders): string => {
  const incoming = headers[header]
  return typeof incoming === "string" && safeId.test(incoming) ? incoming : randomUUID()
}
