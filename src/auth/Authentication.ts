/**
 * Auth's side of access's Authenticator: a bearer token is an access token (TokenIssuer) whose session
 * is read in one go with its user and role (Callers). The principal carries what was read as its
 * `caller`, so `me` answers from it, reading nothing more.
 */
import { Clock, Effect, Layer, Option } from "effect"
import { Authenticator } from "../access/Authenticator.js"
import type { Grant } from "../access/Grant.js"
import * as Policy from "../access/Policy.js"
import type { Principal } from "../access/Principal.js"
import * as Session from "./domain/Session.js"
import { type Caller, Callers } from "./ports/Callers.js"
import { TokenIssuer } from "./ports/TokenIssuer.js"
import { effectiveGrants } from "./Queries.js"

/**
 * What auth read with the principal's session. Auth's Authenticator is the only one a process has
 * (Composition), so every principal it meets was made by `layer` and carries a Caller.
 */
export const callerOf = (principal: Principal): Caller => principal.caller as Caller

/** Compiled once per grant list: effectiveGrants hands out the same list for the same grants. */
const policies = new WeakMap<ReadonlyArray<Grant>, Policy.Policy>()
const policyOf = (grants: ReadonlyArray<Grant>) => {
  let policy = policies.get(grants)
  if (policy === undefined) policies.set(grants, policy = Policy.compile(grants))
  return policy
}

/**
 * Finds the caller an access token names, reading the session, user and role as stored now (one
 * statement in SQL): none for a refused token, or once the session is revoked or expired (logout, a
 * reused refresh token, a password change) or its user is gone.
 */
export const layer: Layer.Layer<Authenticator, never, TokenIssuer | Callers> = Layer.effect(
  Authenticator,
  Effect.gen(function*() {
    const tokens = yield* TokenIssuer
    const callers = yield* Callers
    const principal = (token: string) =>
      Effect.gen(function*() {
        const claims = yield* tokens.verify(token)
        const found = yield* callers.bySession(claims.sessionId)
        const at = new Date(yield* Clock.currentTimeMillis)
        if (Option.isNone(found) || found.value.session.userId !== claims.userId || !Session.isLive(found.value.session, at)) {
          return Option.none()
        }
        const permissions = effectiveGrants(found.value.user, found.value.role)
        return Option.some<Principal<Caller>>({
          userId: found.value.user.id,
          sessionId: claims.sessionId,
          permissions,
          policy: policyOf(permissions),
          caller: found.value
        })
      }).pipe(
        // The client learns only UNAUTHENTICATED (from a field that needs a caller); the reason is for operators.
        Effect.catchTag("InvalidAccessToken", (error) => Effect.as(Effect.logDebug(`bearer token refused: ${error.reason}`), Option.none()))
      )
    return Authenticator.of({ principal })
  })
)
