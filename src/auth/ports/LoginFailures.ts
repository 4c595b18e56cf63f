import { Context, type Effect } from "effect"
import type * as LoginBackoff from "../domain/LoginBackoff.js"

/** A record to check before a sign-in attempt: its key and the policy it is held to. */
export interface Tracked {
  readonly key: string
  readonly policy: LoginBackoff.Policy
}

/** Failed sign-ins per key (an account and address pair, or an account), for LoginBackoff. */
export class LoginFailures extends Context.Tag("auth/LoginFailures")<LoginFailures, {
  /**
   * LoginBackoff.admit over the records under these keys, and its new records stored, with no other
   * attempt on the same keys in between (two parallel attempts see each other).
   */
  readonly admit: (tracked: ReadonlyArray<Tracked>, now: number) => Effect.Effect<LoginBackoff.Admission>
  /** Forgets the records: the attempt succeeded, or the password was changed. */
  readonly clear: (keys: ReadonlyArray<string>) => Effect.Effect<void>
  /** LoginBackoff.withdraw on each record: an attempt admitted under these keys succeeded. */
  readonly withdraw: (keys: ReadonlyArray<string>) => Effect.Effect<void>
}>() {}
