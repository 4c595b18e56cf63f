import { Context, type Effect, type Option } from "effect"
import type { Envelope } from "./Envelope.js"

/**
 * The transactional outbox: a command's events are stored in the command's own transaction, so an
 * event exists exactly when its state change does. From here the relay publishes them to the external
 * bus, and the process's own subscribers get a delivery each (Deliveries.ts).
 */
export class Outbox extends Context.Tag("kernel/Outbox")<Outbox, {
  /** Stores the events, and a delivery for every local subscriber of each, in the caller's unit of work. */
  readonly append: (envelopes: ReadonlyArray<Envelope>) => Effect.Effect<void>
  /**
   * Publishes up to `limit` unpublished events, oldest first, and marks them published, in one
   * transaction whose rows other relays skip (`FOR UPDATE SKIP LOCKED`). Stops at the first publish
   * that fails (the rest stay for the next round) and answers how many were published.
   */
  readonly publishPending: <E>(
    limit: number,
    publish: (envelope: Envelope) => Effect.Effect<void, E>
  ) => Effect.Effect<number, E>
  /** Events not yet published, for metrics and tests. */
  readonly pendingCount: Effect.Effect<number>
  /** When the oldest event not yet published occurred (the relay's lag, for /metrics). */
  readonly oldestPendingAt: Effect.Effect<Option.Option<Date>>
}>() {}

/** Which event types the subscribers running in this process handle: the outbox makes their deliveries. */
export class LocalSubscriptions extends Context.Tag("kernel/LocalSubscriptions")<
  LocalSubscriptions,
  ReadonlyArray<{ readonly name: string; readonly types: ReadonlyArray<string> }>
>() {}
