import { Context, type Effect, type Redacted } from "effect"

/** Slow, salted password hashing, off the event loop. */
export class PasswordHasher extends Context.Tag("auth/PasswordHasher")<PasswordHasher, {
  readonly hash: (password: Redacted.Redacted) => Effect.Effect<string>
  /**
   * Whether `password` matches `hash`. Without a hash (unknown account) it spends the same time
   * and answers false, so response times do not reveal which accounts exist.
   */
  readonly verify: (password: Redacted.Redacted, hash: string | undefined) => Effect.Effect<boolean>
}>() {}
