/**
 * RateLimiter's in-memory store with expiry. The library's memory store keeps every key it has seen,
 * and here clients choose the keys (any access key), so its memory would grow without bound under
 * attack. Fixed windows, which the throttle uses, are counted as the library counts them and swept
 * once they have expired; token buckets are the library's own.
 */
import { RateLimiter } from "@effect/experimental"
import { Clock, Duration, Effect, Layer, Schedule } from "effect"

export const layer: Layer.Layer<RateLimiter.RateLimiterStore> = Layer.scoped(RateLimiter.RateLimiterStore, Effect.gen(function*() {
  const library = yield* Effect.provide(RateLimiter.RateLimiterStore, RateLimiter.layerStoreMemory)
  const windows = new Map<string, { count: number; expiresAt: number }>()
  const sweep = Effect.map(Clock.currentTimeMillis, (now) => {
    for (const [key, window] of windows) if (window.expiresAt <= now) windows.delete(key)
  })
  yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 minute")))
  return RateLimiter.RateLimiterStore.of({
    // As layerStoreMemory: each token pushes the window's end by window/limit; a refused take changes nothing.
    fixedWindow: (options) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        let window = windows.get(options.key)
        if (window === undefined || window.expiresAt <= now) {
          window = { count: 0, expiresAt: now }
          windows.set(options.key, window)
        }
        if (options.limit !== undefined && window.count + options.tokens > options.limit) {
          return [window.count + options.tokens, window.expiresAt - now] as const
        }
        window.count += options.tokens
        window.expiresAt += Duration.toMillis(options.refillRate) * options.tokens
        return [window.count, window.expiresAt - now] as const
      }),
    tokenBucket: library.tokenBucket
  })
}))
