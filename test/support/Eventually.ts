/**
 * Waiting for what happens elsewhere (another process, a broker, a socket, a background fiber)
 * without guessing how long it takes: a check is tried again until it passes, and the deadline only
 * turns a hang into a failure that says what was awaited. The pauses and the deadline run on the real
 * clock even under TestClock (the other party does not read ours); the check runs with the test's
 * own services.
 */
import { Cause, Clock, Duration, Effect, Exit, TestServices } from "effect"

export interface EventuallyOptions {
  /** How long to keep trying: a bound against hangs, far beyond the expected wait (default 10 s). */
  readonly timeout?: Duration.DurationInput
  /** The pause between tries (default 20 ms). */
  readonly interval?: Duration.DurationInput
}

/**
 * Runs `check` until it succeeds and answers its value; at the deadline, fails as its last try did.
 * A failed expect (a defect inside Effect.gen) counts as "not yet", like a failure.
 */
export const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, options: EventuallyOptions = {}): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(options.timeout ?? Duration.seconds(10))
    const pause = TestServices.provideLive(Effect.sleep(options.interval ?? Duration.millis(20)))
    while (true) {
      const exit = yield* Effect.exit(check)
      if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause) || Date.now() >= deadline) return yield* exit
      yield* pause
    }
  })

/**
 * Completes once Effect's Clock reads later than `millis`: for steps that must happen in a later
 * millisecond than an earlier one (times stored to the millisecond), instead of a sleep.
 */
export const clockPast = (millis: number) =>
  eventually(Effect.filterOrFail(Clock.currentTimeMillis, (now) => now > millis, () => new Error(`the clock has not passed ${millis} yet`)), {
    interval: Duration.millis(1)
  })
