import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, FiberRef, Layer, Ref } from "effect"
import { CommitSignal } from "../../../src/kernel/CommitSignal.js"
import { ConflictRetry } from "../../../src/kernel/ConflictRetry.js"
import { Conflict } from "../../../src/kernel/Errors.js"
import * as MessageBus from "../../../src/kernel/MessageBus.js"
import { Outbox } from "../../../src/kernel/Outbox.js"
import { UnitOfWork } from "../../../src/kernel/UnitOfWork.js"

/** Whether the running code is inside a unit of work, as a transaction would make it. */
const inUnitOfWork = FiberRef.unsafeMake(false)

const services = Layer.mergeAll(
  Layer.succeed(UnitOfWork, UnitOfWork.of({ transactional: (effect) => Effect.locally(effect, inUnitOfWork, true) })),
  Layer.succeed(Outbox, Outbox.of({ append: () => Effect.void, publishPending: () => Effect.succeed(0), pendingCount: Effect.succeed(0), oldestPendingAt: Effect.succeedNone })),
  Layer.succeed(CommitSignal, CommitSignal.of({ notify: Effect.void, subscribe: Effect.succeed({ wait: () => Effect.void }) })),
  Layer.succeed(ConflictRetry, { retries: 3, baseDelay: Duration.zero, maxDelay: Duration.zero })
)

describe("MessageBus, two-phase handlers", () => {
  it.effect("runs the first phase before the unit of work, the second inside it with what the first gave", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const note = (phase: string) => Effect.flatMap(FiberRef.get(inUnitOfWork), (inside) => Ref.update(seen, (all) => [...all, `${phase} ${inside ? "inside" : "outside"}`]))
      const dispatch = MessageBus.make({
        Check: MessageBus.inTwoPhases(
          (command: { readonly _tag: "Check"; readonly n: number }) => Effect.as(note("prepare"), command.n * 2),
          (doubled: number) => Effect.as(note("decide"), MessageBus.handled(doubled + 1, []))
        )
      }, () => null)
      expect(yield* dispatch({ _tag: "Check", n: 20 })).toBe(41)
      expect(yield* Ref.get(seen)).toEqual(["prepare outside", "decide inside"])
    }).pipe(Effect.provide(services)))

  it.effect("retries only the second phase after a Conflict", () =>
    Effect.gen(function*() {
      const prepared = yield* Ref.make(0)
      const decided = yield* Ref.make(0)
      const dispatch = MessageBus.make({
        Race: MessageBus.inTwoPhases(
          (_: { readonly _tag: "Race" }) => Ref.update(prepared, (n) => n + 1),
          () =>
            Effect.flatMap(Ref.updateAndGet(decided, (n) => n + 1), (run) =>
              run === 1 ? Effect.fail(new Conflict({ aggregate: "User", id: "u1" })) : Effect.succeed(MessageBus.handled("won", [])))
        )
      }, () => null)
      expect(yield* dispatch({ _tag: "Race" })).toBe("won")
      expect(yield* Ref.get(prepared)).toBe(1)
      expect(yield* Ref.get(decided)).toBe(2)
    }).pipe(Effect.provide(services)))
})
