/**
 * A clock for a server a test runs in its own process: it reads the real time plus an offset the test
 * moves forward, so the test can let "a second pass" for the server's time checks (rate-limit windows,
 * back-off) without waiting for it. Unlike TestClock, sleeps and timeouts still run on the real
 * clock, so polling, request timeouts and everything else in the server keep working.
 *
 *   const clock = ShiftedClock.make()
 *   TestServer.make(…).pipe(Layer.provide(Layer.setClock(clock)))
 *   …
 *   yield* clock.advance(Duration.seconds(2))
 */
import { Clock, Duration, Effect } from "effect"

export interface ShiftedClock extends Clock.Clock {
  /** Moves every later reading forward by `duration`. */
  readonly advance: (duration: Duration.DurationInput) => Effect.Effect<void>
}

export const make = (): ShiftedClock => {
  const real = Clock.make()
  let offsetMillis = 0
  const millis = () => real.unsafeCurrentTimeMillis() + offsetMillis
  const nanos = () => real.unsafeCurrentTimeNanos() + BigInt(offsetMillis) * 1_000_000n
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    unsafeCurrentTimeNanos: nanos,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) => real.sleep(duration),
    advance: (duration) => Effect.sync(() => void (offsetMillis += Duration.toMillis(duration)))
  }
}
