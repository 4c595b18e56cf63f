/**
 * One attempt of one subscriber on one event, the same wherever it runs (the local dispatcher, a
 * JetStream worker, a Lambda): in a unit of work, through the inbox (a repeat is a no-op). A failure
 * never escapes: it is retried later by the caller's means, or parked once the attempts run out.
 */
import { Cause, Clock, Duration, Effect, Random } from "effect"
import { Deliveries, type Delivery } from "./Deliveries.js"
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

/** Exponential backoff with full jitter, so subscribers failing together do not retry together. */
export const backoff = (policy: RetryPolicy, attempt: number): Effect.Effect<Duration.Duration> => {
  const ceiling = Math.min(Duration.toMillis(policy.maxDelay), Duration.toMillis(policy.baseDelay) * 2 ** Math.max(0, attempt - 1))
  return Effect.map(Random.next, (fraction) => Duration.millis(Math.round(ceiling / 2 + (fraction * ceiling) / 2)))
}

export type Outcome =
  | { readonly _tag: "Handled" }
  | { readonly _tag: "Retry"; readonly error: string; readonly after: Duration.Duration }
  | { readonly _tag: "Parked"; readonly error: string }

/** Errors are kept for operators, not shown to clients; long causes are cut to keep rows small. */
const describe = (cause: Cause.Cause<unknown>) => Cause.pretty(cause).slice(0, 4000)

export const attempt = <R>(subscriber: Subscriber<R>, envelope: Envelope, attemptNumber: number, policy: RetryPolicy) =>
  Effect.gen(function*() {
    const uow = yield* UnitOfWork
    const inbox = yield* Inbox
    const exit = yield* Effect.exit(uow.transactional(inbox.once(subscriber.name, envelope.id, subscriber.handle(envelope))))
    if (exit._tag === "Success") return { _tag: "Handled" } as Outcome
    if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    const error = describe(exit.cause)
    const where = { subscriber: subscriber.name, event: envelope.id, type: envelope.type, attempt: attemptNumber }
    if (attemptNumber >= policy.maxAttempts) {
      yield* Effect.logError("event handler failed for the last time; parked for an operator", exit.cause).pipe(Effect.annotateLogs(where))
      return { _tag: "Parked", error } as Outcome
    }
    yield* Effect.logWarning("event handler failed; will retry", exit.cause).pipe(Effect.annotateLogs(where))
    return { _tag: "Retry", error, after: yield* backoff(policy, attemptNumber) } as Outcome
  })

/** Records a worker's outcome in Deliveries: parked events wait there for an operator's replay. */
export const parkIfExhausted = (delivery: Delivery, outcome: Outcome) =>
  outcome._tag === "Parked"
    ? Effect.flatMap(Deliveries, (deliveries) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => deliveries.park(delivery, outcome.error, new Date(now))))
    : Effect.void
