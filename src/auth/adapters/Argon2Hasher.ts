import { hash, type Options, verify } from "@node-rs/argon2"
import { Effect, Layer, Redacted } from "effect"
import { randomSecret } from "../../kernel/Secrets.js"
import { PasswordHasher } from "../ports/PasswordHasher.js"

/**
 * argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane), PHC string format. @node-rs/argon2
 * computes on libuv's thread pool, so hashing never blocks the event loop. At most `concurrency`
 * hashes run at once and the rest wait: unbounded, a burst of sign-ins would fill the thread pool
 * that file and DNS work shares, and take every core from the event loop.
 */
const options: Options = {
  // 2 = Algorithm.Argon2id; the package exports it as an ambient const enum, unusable under isolatedModules.
  algorithm: 2 as NonNullable<Options["algorithm"]>,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1
}

/** At most `concurrency` hashes at once (PASSWORD_HASH_CONCURRENCY in production, from the composition root). */
export const layer = (concurrency: number): Layer.Layer<PasswordHasher> =>
  Layer.effect(
    PasswordHasher,
    Effect.gen(function*() {
      const pool = yield* Effect.makeSemaphore(concurrency)
      // Once started, a hash runs to its end on its thread whatever the caller does: hold the permit until then.
      const compute = <A>(work: () => Promise<A>) => pool.withPermits(1)(Effect.uninterruptible(Effect.promise(work)))
      // Verified against when the account is unknown, so that path costs what a real check costs.
      const decoy = yield* compute(() => hash(randomSecret(16), options))
      return PasswordHasher.of({
        hash: (password) => compute(() => hash(Redacted.value(password), options)),
        verify: (password, stored) =>
          compute(() => verify(stored ?? decoy, Redacted.value(password))).pipe(
            Effect.map((matches) => matches && stored !== undefined),
            // A malformed stored hash is a data problem, not a match.
            Effect.catchAllDefect((defect) => Effect.as(Effect.logError("password hash could not be verified", defect), false))
          )
      })
    })
  )

