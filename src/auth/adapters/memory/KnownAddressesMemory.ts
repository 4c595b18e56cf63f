import { Clock, Effect, Layer, Schedule } from "effect"
import { KnownAddresses } from "../../ports/KnownAddresses.js"

/** Enough for a person's devices and networks; past it the address remembered longest ago goes. */
const perAccount = 16

/** One process's known addresses, expired ones swept every minute. */
export const layer: Layer.Layer<KnownAddresses> = Layer.scoped(KnownAddresses, Effect.gen(function*() {
  // account → address → remembered until (epoch millis)
  const accounts = new Map<string, Map<string, number>>()
  const sweep = Effect.map(Clock.currentTimeMillis, (now) => {
    for (const [account, addresses] of accounts) {
      for (const [address, until] of addresses) if (until <= now) addresses.delete(address)
      if (addresses.size === 0) accounts.delete(account)
    }
  })
  yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 minute")))
  return KnownAddresses.of({
    isKnown: (account, address, now) => Effect.sync(() => (accounts.get(account)?.get(address) ?? 0) > now),
    remember: (account, address, until) =>
      Effect.sync(() => {
        const addresses = accounts.get(account) ?? new Map<string, number>()
        accounts.set(account, addresses)
        addresses.delete(address)
        addresses.set(address, until)
        // A Map iterates in insertion order and re-remembering re-inserts: the first is the stalest.
        if (addresses.size > perAccount) addresses.delete(addresses.keys().next().value!)
      })
  })
}))
