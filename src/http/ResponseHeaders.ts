/**
 * Headers every response carries, set on Node's response before any route writes (a route's own,
 * given to writeHead, win: GraphiQL's page brings a policy of its own). No MIME sniffing, no
 * referrer, no framing, and a policy that lets a JSON answer load nothing; CORS only for the
 * configured origins, and without any, no CORS headers at all.
 */
import type * as Http from "node:http"

const security: ReadonlyArray<readonly [string, string]> = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  ["x-frame-options", "DENY"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"]
]

const corsMethods = "GET, POST, OPTIONS"
const corsHeaders = "authorization,content-type,accept"
const exposed = "x-request-id"
const corsMaxAge = "600"

/**
 * Sets the headers for `request` on `response`; true when that already answered it (a CORS
 * preflight: 204, whatever the path, as a browser asks before its real request).
 */
export const make = (origins: ReadonlyArray<string>) => (request: Http.IncomingMessage, response: Http.ServerResponse): boolean => {
  for (const [name, value] of security) response.setHeader(name, value)
  if (origins.length === 0) return false
  const origin = request.headers["origin"]
  const allowed = origin !== undefined && origins.includes(origin)
  if (allowed) {
    response.setHeader("access-control-allow-origin", origin)
    response.setHeader("vary", "Origin")
    response.setHeader("access-control-expose-headers", exposed)
  }
  if (request.method !== "OPTIONS") return false
  if (allowed) {
    response.setHeader("access-control-allow-methods", corsMethods)
    response.setHeader("access-control-allow-headers", corsHeaders)
    response.setHeader("access-control-max-age", corsMaxAge)
  }
  response.writeHead(204).end()
  return true
}
