/**
 * Runs the deliveries of the subscribers in this process: right after a command commits (on its
 * signal), and on a poll for retries that come due and for deliveries a dead process left leased.
 */
import { Clock, Duration, Effect } from "effect"
import { CommitSignal } from "./CommitSignal.js"
import { Deliveries, type Delivery } from "./Deliveries.js"
import * as EventHandling from "./EventHandling.js"
import type { Subscriber } from "./Subscriber.js"

export interface DispatchOptions {
  readonly retry: EventHandling.RetryPolicy
  /** Deliveries claimed per round. */
  readonly batchSize: number
  /** Deliveries (or, in a worker, events per subscriber) handled at once. */
  readonly concurrency: number
  /** How long a claimed delivery is reserved: longer than any handler runs, short enough to recover from a crash. */
  readonly lease: Duration.Duration
  /** How often to look for deliveries whose retry came due without a commit to signal it. */
  readonly pollInterval: Duration.Duration
}

/** Claims the due deliveries once and runs each; answers how many it claimed. */
export const runDue = <R>(subscribers: ReadonlyArray<Subscriber<R>>, options: DispatchOptions) =>
  Effect.gen(function*() {
    const deliveries = yield* Deliveries
    const byName = new Map(subscribers.map((subscriber) => [subscriber.name, subscriber]))
    const now = yield* Clock.currentTimeMillis
    const claimed = yield* deliveries.claim(
      [...byName.keys()],
      options.batchSize,
      new Date(now),
      new Date(now + Duration.toMillis(options.lease))
    )
    yield* Effect.forEach(claimed, (delivery: Delivery) =>
      Effect.gen(function*() {
        const subscriber = byName.get(delivery.subscriber)!
        const outcome = yield* EventHandling.attempt(subscriber, delivery.envelope, delivery.attempts, options.retry, deliveries.complete(delivery))
        const at = new Date(yield* Clock.currentTimeMillis)
        // An in-process database (PGlite) settles its statements without giving the event loop a turn:
        // yielding one after each delivery keeps requests and timers served while a backlog drains.
        yield* Effect.sleep(Duration.zero)
        switch (outcome._tag) {
          case "Handled":
            return
          case "Retry":
            return yield* deliveries.retryAt(delivery, outcome.error, new Date(at.getTime() + Duration.toMillis(outcome.after)))
          case "Parked":
            return yield* deliveries.park(delivery, outcome.error, at)
        }
      }), { discard: true, concurrency: options.concurrency })
    return claimed.length
  })

/** Runs until interrupted; a full batch goes straight on to the next one. */
export const run = <R>(subscribers: ReadonlyArray<Subscriber<R>>, options: DispatchOptions) =>
  Effect.gen(function*() {
    const wakeup = yield* Effect.flatMap(CommitSignal, (signal) => signal.subscribe)
    const pollMillis = Duration.toMillis(options.pollInterval)
    while (true) {
      const claimed = yield* runDue(subscribers, options).pipe(
        // A database outage must not end the loop: log, wait a poll, try again.
        Effect.catchAllCause((cause) => Effect.as(Effect.logError("event dispatcher round failed", cause), 0))
      )
      if (claimed < options.batchSize) {
        yield* wakeup.wait(pollMillis)
        // Woken by a commit in this process: its request answers first (a turn of the event loop), so no
        // subscriber's work lengthens, or varies, the answer of the command that raised the event.
        yield* Effect.sleep(Duration.zero)
      }
    }
  })
