import { Context, type Effect, type Option } from "effect"
import type { Envelope } from "./Envelope.js"

/** One subscriber's pending work on one event. `attempts` counts this one. */
export interface Delivery {
  readonly subscriber: string
  readonly envelope: Envelope
  readonly attempts: number
}

/** A delivery that failed its last allowed attempt, kept with its error until an operator replays it. */
export interface ParkedDelivery extends Delivery {
  readonly lastError: string
  readonly parkedAt: Date
}

/**
 * Durable per-subscriber work: made in the command's transaction (Outbox.append) for local
 * subscribers, or when a worker parks an event it could not handle. A claim leases a delivery so no
 * other process runs it meanwhile; a process that dies mid-handler lets the lease run out and the
 * delivery is claimed again, so nothing is lost.
 */
export class Deliveries extends Context.Tag("kernel/Deliveries")<Deliveries, {
  /** Up to `limit` deliveries of these subscribers due at `now`, leased until `leaseUntil`, each with attempts + 1. */
  readonly claim: (
    subscribers: ReadonlyArray<string>,
    limit: number,
    now: Date,
    leaseUntil: Date
  ) => Effect.Effect<ReadonlyArray<Delivery>>
  /** Done: the delivery is removed (run it in the handler's transaction so both happen or neither). */
  readonly complete: (delivery: Delivery) => Effect.Effect<void>
  readonly retryAt: (delivery: Delivery, error: string, at: Date) => Effect.Effect<void>
  /** Keeps the delivery with its error and stops retrying it (also for events a worker gave up on). */
  readonly park: (delivery: Delivery, error: string, at: Date) => Effect.Effect<void>
  readonly parked: Effect.Effect<ReadonlyArray<ParkedDelivery>>
  /** Makes a parked delivery due again with a fresh count of attempts; false if there is no such parked delivery. */
  readonly replay: (subscriber: string, eventId: string, now: Date) => Effect.Effect<boolean>
  /** Deliveries not yet done (parked ones included), for metrics and tests. */
  readonly pendingCount: Effect.Effect<number>
  /** Deliveries waiting (parked ones apart) and when the oldest one's event occurred: the subscribers' lag, for /metrics. */
  readonly backlog: Effect.Effect<{ readonly waiting: number; readonly parked: number; readonly oldestAt: Option.Option<Date> }>
}>() {}
