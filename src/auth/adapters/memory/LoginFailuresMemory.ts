import { Clock, Effect, Layer, Schedule } from "effect"
import * as LoginBackoff from "../../domain/LoginBackoff.js"
import { LoginFailures } from "../../ports/LoginFailures.js"

interface Entry {
  readonly failures: LoginBackoff.Failures
  /** When the policy forgets it, so the sweep can drop it without knowing the policy. */
  readonly forgetAt: number
}

/**
 * One process's records, in a Map (JavaScript runs each admit to the end before the next, so it is
 * atomic). Keys are chosen by clients (any access key), so forgotten records are swept every minute.
 */
export const layer: Layer.Layer<LoginFailures> = Layer.scoped(LoginFailures, Effect.gen(function*() {
  const entries = new Map<string, Entry>()
  const sweep = Effect.map(Clock.currentTimeMillis, (now) => {
    for (const [key, entry] of entries) if (entry.forgetAt <= now) entries.delete(key)
  })
  yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 minute")))
  return LoginFailures.of({
    admit: (tracked, now) =>
      Effect.sync(() => {
        const admission = LoginBackoff.admit(tracked.map(({ key, policy }) => ({ policy, record: entries.get(key)?.failures })), now)
        if (admission._tag === "Admitted") {
          admission.records.forEach((failures, index) => {
            const { key, policy } = tracked[index]!
            entries.set(key, { failures, forgetAt: failures.lastAt + policy.forgetAfterMillis })
          })
        }
        return admission
      }),
    clear: (keys) => Effect.sync(() => keys.forEach((key) => entries.delete(key))),
    withdraw: (keys) =>
      Effect.sync(() =>
        keys.forEach((key) => {
          const entry = entries.get(key)
          const left = entry === undefined ? undefined : LoginBackoff.withdraw(entry.failures)
          if (left === undefined) entries.delete(key)
          else entries.set(key, { ...entry!, failures: left })
        })
      )
  })
}))
