import { Context, type Duration } from "effect"

/** The auth module's tunables, given by the composition root from Config. */
export class AuthSettings extends Context.Tag("auth/AuthSettings")<AuthSettings, {
  readonly resetTokenTtl: Duration.Duration
  /** Reset links point here, never at whatever host a request claimed to be. */
  readonly publicAppUrl: URL
}>() {}

/** Sessions' tunables, given with the token keys (Composition.tokens): the server's alone, not the workers'. */
export class SessionSettings extends Context.Tag("auth/SessionSettings")<SessionSettings, {
  /** How long an unused refresh token stays valid; each refresh starts the period again. */
  readonly refreshTokenTtl: Duration.Duration
}>() {}
