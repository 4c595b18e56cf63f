import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Metric, Ref } from "effect"
import { ConflictRetry, retriesTotal, retryOnConflict } from "../../../src/kernel/ConflictRetry.js"
import { Conflict, InvalidArgument } from "../../../src/kernel/Errors.js"

/** An attempt that loses `losses` races, then wins; counts its runs. */
const racer = (losses: number) =>
  Effect.map(Ref.make(0), (runs) => ({
    runs,
    attempt: Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (run) =>
      run <= losses ? Effect.fail(new Conflict({ aggregate: "Role", id: "r1" })) : Effect.succeed("saved"))
  }))

const retried = (command: string) => Effect.map(Metric.value(Metric.tagged(retriesTotal, "command", command)), (state) => state.count)

const policy = (retries: number) => ({ retries, baseDelay: Duration.zero, maxDelay: Duration.zero })

describe("retryOnConflict", () => {
  it.live("runs a command that lost races again until it wins, counting each re-run", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* racer(3)
      expect(yield* retryOnConflict("Win")(attempt)).toBe("saved")
      expect(yield* Ref.get(runs)).toBe(4)
      expect(yield* retried("Win")).toBe(3)
    }).pipe(Effect.provideService(ConflictRetry, policy(5))))

  it.live("answers Conflict once the retries run out, counting only the re-runs made", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* racer(10)
      const exit = yield* Effect.exit(retryOnConflict("Lose")(attempt))
      expect(Exit.isFailure(exit) && exit.cause.toString()).toContain("Conflict")
      expect(yield* Ref.get(runs)).toBe(3)
      expect(yield* retried("Lose")).toBe(2)
    }).pipe(Effect.provideService(ConflictRetry, policy(2))))

  it.live("passes other failures through at once", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const failing = Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.fail(new InvalidArgument({ argument: "x", reason: "bad" })))
      expect(Exit.isFailure(yield* Effect.exit(retryOnConflict("Other")(failing)))).toBe(true)
      expect(yield* Ref.get(runs)).toBe(1)
      expect(yield* retried("Other")).toBe(0)
    }).pipe(Effect.provideService(ConflictRetry, policy(5))))
})
