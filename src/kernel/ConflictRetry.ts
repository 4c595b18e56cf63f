import { Context, Duration, Effect, Metric, Random, Schedule, ScheduleDecision } from "effect"

/**
 * How a command that lost a race is run again. Aggregates are saved with optimistic versions
 * (`UPDATE … WHERE version = n`): under READ COMMITTED the loser blocks on the winner's row lock,
 * then finds the version moved and fails with Conflict; its transaction is rolled back and the whole
 * command (load, decide, save) runs again on the fresh state, after a short jittered pause so
 * racers spread out. After `retries` it answers CONFLICT. Configurable (COMMAND_CONFLICT_RETRIES…).
 */
export interface ConflictRetryPolicy {
  readonly retries: number
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
}

export class ConflictRetry extends Context.Reference<ConflictRetry>()("kernel/ConflictRetry", {
  defaultValue: (): ConflictRetryPolicy => ({ retries: 10, baseDelay: Duration.millis(5), maxDelay: Duration.millis(500) })
}) {}

/** Counts the re-runs, by command, for operators and the soak benchmark. */
export const retriesTotal = Metric.counter("kingdom_command_conflict_retries_total", {
  description: "Commands run again after losing a race on an aggregate"
})

const isConflict = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "Conflict"

/** Exponential from the base, capped, with full jitter; counts each run it decides to make. */
const schedule = (policy: ConflictRetryPolicy, command: string) =>
  Schedule.exponential(policy.baseDelay).pipe(
    Schedule.modifyDelayEffect((delay) =>
      Effect.map(Random.next, (fraction) =>
        Duration.millis(Math.round(fraction * Math.min(Duration.toMillis(delay), Duration.toMillis(policy.maxDelay)))))),
    Schedule.intersect(Schedule.recurs(policy.retries)),
    Schedule.whileInput(isConflict),
    Schedule.onDecision((_, decision) =>
      ScheduleDecision.isContinue(decision) ? Metric.increment(Metric.tagged(retriesTotal, "command", command)) : Effect.void)
  )

/** Runs `attempt` again while it fails with Conflict, within the policy; other failures pass through. */
export const retryOnConflict = (command: string) => <A, E, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(ConflictRetry, (policy) => Effect.retry(attempt, schedule(policy, command)))
