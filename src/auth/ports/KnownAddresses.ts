import { Context, type Effect } from "effect"

/**
 * Client addresses that proved they hold an account (a sign-in, or a password changed with a reset
 * token), for a while: the account-wide limits on sign-in spare them, so an attacker hammering an
 * account from elsewhere cannot lock its owner out.
 */
export class KnownAddresses extends Context.Tag("auth/KnownAddresses")<KnownAddresses, {
  readonly isKnown: (account: string, address: string, now: number) => Effect.Effect<boolean>
  readonly remember: (account: string, address: string, until: number) => Effect.Effect<void>
}>() {}
