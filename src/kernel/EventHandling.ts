/**
 * One attempt of one subscriber on one event, the same wherever it runs (the local dispatcher, a
 * JetStream worker, a Lambda): in a unit of work, through the inbox (a repeat is a no-op). A failure
 * never escapes: it is retried later by the caller's means, or parked once the attempts run out.
 */
import { Cause, Clock, Duration, Effect, Random } from "effect"
import { Deliveries } from "./Deliveries.js"
import type { Envelope } from "./Envelope.js"
import { Inbox } from "./Inbox.js"
import type { Subscriber } from "./Subscriber.js"
import { UnitOfWork } from "./UnitOfWork.js"

export interface RetryPolicy {
  /** Attempts before an event is parked for an operator. */
  readonly maxAttempts: number
  /** The wait after the first failure; it doubles with each attempt, up to `maxDelay`, with jitter. */
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
}

/**
 * The wait after failed attempt `attempt`: exponential, capped, and spread over its upper half by
 * `fraction` (0..1, random), so subscribers failing together do not retry together.
 */
export const retryDelay = (policy: RetryPolicy, attempt: number, fraction: number): Duration.Duration => {
  const ceiling = Math.min(Duration.toMillis(policy.maxDelay), Duration.toMillis(policy.baseDelay) * 2 ** Math.max(0, attempt - 1))
  return Duration.millis(Math.round(ceiling / 2 + (fraction * ceiling) / 2))
}

export type Outcome =
  | { readonly _tag: "Handled" }
  | { readonly _tag: "Retry"; readonly error: string; readonly after: Duration.Duration }
  | { readonly _tag: "Parked"; readonly error: string }

/** Errors are kept for operators, not shown to clients; long causes are cut to keep rows small. */
const describe = (cause: Cause.Cause<unknown>) => Cause.pretty(cause).slice(0, 4000)

/** `andThen` runs in the same unit of work after a success (a delivery marking itself done, in one commit). */
export const attempt = <R, R2 = never>(
  subscriber: Subscriber<R>,
  envelope: Envelope,
  attemptNumber: number,
  policy: RetryPolicy,
  andThen: Effect.Effect<void, never, R2> = Effect.void
) =>
  Effect.gen(function*() {
    const uow = yield* UnitOfWork
    const inbox = yield* Inbox
    const exit = yield* Effect.exit(uow.transactional(Effect.zipRight(inbox.once(subscriber.name, envelope.id, subscriber.handle(envelope)), andThen)))
    if (exit._tag === "Success") return { _tag: "Handled" } as Outcome
    if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    const error = describe(exit.cause)
    const where = { subscriber: subscriber.name, event: envelope.id, type: envelope.type, attempt: attemptNumber }
    if (attemptNumber >= policy.maxAttempts) {
      yield* Effect.logError("event handler failed for the last time; parked for an operator", exit.cause).pipe(Effect.annotateLogs(where))
      return { _tag: "Parked", error } as Outcome
    }
    yield* Effect.logWarning("event handler failed; will retry", exit.cause).pipe(Effect.annotateLogs(where))
    return { _tag: "Retry", error, after: retryDelay(policy, attemptNumber, yield* Random.next) } as Outcome
  })

/**
 * An attempt for runners whose broker delivers again by itself (JetStream, SQS): once the attempts run
 * out the event is parked in Deliveries, where an operator lists and replays it, and the broker may drop it.
 */
export const attemptOrPark = <R>(subscriber: Subscriber<R>, envelope: Envelope, attemptNumber: number, policy: RetryPolicy) =>
  Effect.tap(attempt(subscriber, envelope, attemptNumber, policy), (outcome) =>
    outcome._tag === "Parked"
      ? Effect.flatMap(Deliveries, (deliveries) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          deliveries.park({ subscriber: subscriber.name, envelope, attempts: attemptNumber }, outcome.error, new Date(now))))
      : Effect.void)
