import { Context, type Duration } from "effect"

/** The auth module's tunables, given by the composition root from Config. */
export class AuthSettings extends Context.Tag("auth/AuthSettings")<AuthSettings, {
  readonly resetTokenTtl: Duration.Duration
  /** Reset links point here, never at whatever host a request claimed to be. */
  readonly publicAppUrl: URL
}>() {}
