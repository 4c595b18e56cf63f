import { Context, Effect, FiberRef, Layer } from "effect"

/**
 * The transaction boundary of one command. On SQL it is a database transaction (nested calls
 * become savepoints); in memory a one-permit semaphore, so the fake serialises commands like the
 * real thing would, and is re-entrant like nested SQL transactions.
 */
export class UnitOfWork extends Context.Tag("kernel/UnitOfWork")<UnitOfWork, {
  readonly transactional: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {}

export const layerMemory: Layer.Layer<UnitOfWork> = Layer.scoped(
  UnitOfWork,
  Effect.gen(function*() {
    const semaphore = yield* Effect.makeSemaphore(1)
    const inside = yield* FiberRef.make(false)
    return UnitOfWork.of({
      transactional: (effect) =>
        Effect.flatMap(FiberRef.get(inside), (nested) =>
          nested ? effect : semaphore.withPermits(1)(Effect.locally(effect, inside, true)))
    })
  })
)
