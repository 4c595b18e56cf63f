import { Context, type Effect } from "effect"

/**
 * What each subscriber has already handled, so an event delivered again (a broker redelivery, a
 * replayed delivery, a Lambda retry) is a no-op: at-least-once delivery, once in effect.
 */
export class Inbox extends Context.Tag("kernel/Inbox")<Inbox, {
  /**
   * Runs `effect` unless `subscriber` has handled `eventId`, recording it in the same unit of work, so
   * a failure leaves it unrecorded for the next attempt. Answers whether it ran.
   */
  readonly once: <A, E, R>(subscriber: string, eventId: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<boolean, E, R>
}>() {}
