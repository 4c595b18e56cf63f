/**
 * The relay: publishes the outbox to the external bus, oldest first, and marks what the broker
 * stored. A relay that dies between the broker's ack and its own commit publishes those events again
 * on its next round; the broker drops them as duplicates (message id = event id), and the workers'
 * inbox covers anything older than the broker's duplicate window. Several relays may run at once.
 */
import { Duration, Effect } from "effect"
import { CommitSignal } from "../kernel/CommitSignal.js"
import { ExternalBus } from "../kernel/ExternalBus.js"
import { Outbox } from "../kernel/Outbox.js"

export interface RelayOptions {
  /** Events published per transaction. */
  readonly batchSize: number
  /** How often to look for events when no commit signals any (events of other processes, retries after an outage). */
  readonly pollInterval: Duration.Duration
}

/** One round: answers how many events it published (stopping at the first the bus refused). */
export const publishPending = (batchSize: number) =>
  Effect.gen(function*() {
    const bus = yield* ExternalBus
    return yield* Effect.flatMap(Outbox, (outbox) => outbox.publishPending(batchSize, bus.publish))
  })

export const run = (options: RelayOptions) =>
  Effect.gen(function*() {
    const wakeup = yield* Effect.flatMap(CommitSignal, (signal) => signal.subscribe)
    const pollMillis = Duration.toMillis(options.pollInterval)
    while (true) {
      // A round is not interrupted: a shutdown waits for the batch in flight (at most one publish
      // timeout when the broker is away) and only stops the wait for the next one, so what the broker
      // stored is also marked published, not sent again by the next relay.
      const published = yield* publishPending(options.batchSize).pipe(
        Effect.uninterruptible,
        // The bus or the database is away: the events stay in the outbox; try again after a poll.
        Effect.catchAllCause((cause) => Effect.as(Effect.logWarning("outbox relay round failed; will retry", cause), 0))
      )
      if (published < options.batchSize) yield* wakeup.wait(pollMillis)
    }
  }).pipe(Effect.annotateLogs("component", "relay"))
