/**
 * GET /.well-known/jwks.json: the public keys that verify this server's access tokens (RFC 7517), so
 * other services can check them without a shared secret. Only asymmetric keys are listed; an HMAC
 * secret never is. The set is fixed at start, so one serialised answer serves every request.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Duration, Effect } from "effect"
import type { JsonWebKey } from "node:crypto"

export const path = "/.well-known/jwks.json"

export const make = (jwks: { readonly keys: ReadonlyArray<JsonWebKey> }, maxAge: Duration.Duration) => {
  // Cached by clients and proxies for maxAge: a key added now is seen by everyone within it (the
  // rotation steps in the README wait that long before signing with it).
  const response = HttpServerResponse.unsafeJson(jwks, {
    headers: { "cache-control": `public, max-age=${Math.floor(Duration.toSeconds(maxAge))}` }
  })
  return HttpRouter.empty.pipe(HttpRouter.get(path, Effect.succeed(response)))
}
