/**
 * A worker: every subscriber on its own durable JetStream consumer, each event through the inbox (a
 * redelivery is a no-op), a failure offered again after the retry policy's delay, and an event
 * parked once its attempts run out (acked, so the broker stops; replayed from Deliveries).
 */
import { Effect } from "effect"
import * as EventHandling from "../kernel/EventHandling.js"
import type { Subscriber } from "../kernel/Subscriber.js"
import * as JetStreamConsumer from "./JetStreamConsumer.js"

export interface WorkerOptions {
  readonly retry: EventHandling.RetryPolicy
  /** Events each subscriber handles at once. */
  readonly concurrency: number
}

const handle = <R>(subscriber: Subscriber<R>, retry: EventHandling.RetryPolicy) => (envelope: Parameters<Subscriber<R>["handle"]>[0], attempt: number) =>
  Effect.flatMap(EventHandling.attemptOrPark(subscriber, envelope, attempt, retry), (outcome) =>
    // A failure the broker must deliver again; the delay is the consumer's backoff below.
    outcome._tag === "Retry" ? Effect.fail(outcome.error) : Effect.void)

export const run = <R>(subscribers: ReadonlyArray<Subscriber<R>>, options: WorkerOptions) =>
  Effect.forEach(
    subscribers,
    (subscriber) =>
      JetStreamConsumer.consume(subscriber, handle(subscriber, options.retry), {
        backoff: (attempt) => EventHandling.retryDelay(options.retry, attempt, Math.random()),
        concurrency: options.concurrency
      }).pipe(Effect.annotateLogs("subscriber", subscriber.name)),
    { concurrency: "unbounded", discard: true }
  )
