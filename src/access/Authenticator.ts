import { Context, type Effect, type Option } from "effect"
import type { Principal } from "./Principal.js"

/**
 * Finds the caller a bearer token names, read now: none for an invalid token, an ended session or a
 * deleted user, never a failure (a field that needs a caller answers UNAUTHENTICATED; why the token
 * was refused is the implementation's to log). A module implements it (auth); the edge asks it.
 */
export class Authenticator extends Context.Tag("access/Authenticator")<Authenticator, {
  readonly principal: (token: string) => Effect.Effect<Option.Option<Principal>>
}>() {}
