import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Ref, Schema } from "effect"
import * as CommitSignal from "../../../src/kernel/CommitSignal.js"
import { Deliveries } from "../../../src/kernel/Deliveries.js"
import type { Envelope } from "../../../src/kernel/Envelope.js"
import * as Dispatcher from "../../../src/kernel/Dispatcher.js"
import * as EventStoreMemory from "../../../src/kernel/memory/EventStoreMemory.js"
import * as MessageBus from "../../../src/kernel/MessageBus.js"
import { LocalSubscriptions, Outbox } from "../../../src/kernel/Outbox.js"
import type { Subscriber } from "../../../src/kernel/Subscriber.js"
import * as UnitOfWork from "../../../src/kernel/UnitOfWork.js"

class Pinged extends Schema.TaggedClass<Pinged>()("Pinged", { n: Schema.Number }) {}

/** A tiny module: one command raising one event, and a subscriber that fails `failures` times first. */
const world = (failures: number) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make<ReadonlyArray<number>>([])
    const failuresLeft = yield* Ref.make(failures)
    const subscriber: Subscriber<never> = {
      name: "counter",
      types: ["Pinged"],
      handle: (envelope) =>
        Ref.getAndUpdate(failuresLeft, (n) => n - 1).pipe(
          Effect.flatMap((left) =>
            left > 0
              ? Effect.fail(new Error("not now"))
              : Effect.flatMap(Schema.decodeUnknown(Pinged)(envelope.payload), (event) => Ref.update(seen, (all) => [...all, event.n])))
        )
    }
    const dispatch = MessageBus.make(
      { Ping: (command: { readonly _tag: "Ping"; readonly n: number }) => Effect.succeed(MessageBus.handled(command.n, [new Pinged({ n: command.n })])) },
      Schema.encodeSync(Pinged)
    )
    return { seen, subscriber, dispatch }
  })

const layers = Layer.mergeAll(
  EventStoreMemory.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, [{ name: "counter", types: ["Pinged"] }]))),
  UnitOfWork.layerMemory,
  CommitSignal.layer
)

const options: Dispatcher.DispatchOptions = {
  retry: { maxAttempts: 3, baseDelay: Duration.zero, maxDelay: Duration.zero },
  batchSize: 10,
  concurrency: 1,
  lease: Duration.minutes(1),
  pollInterval: Duration.seconds(1)
}

describe("events after commit", () => {
  it.effect("the command stores its event in the outbox; the subscriber gets it once, after commit", () =>
    Effect.gen(function*() {
      const { dispatch, seen, subscriber } = yield* world(0)
      expect(yield* dispatch({ _tag: "Ping", n: 1 })).toBe(1)
      expect(yield* Ref.get(seen)).toEqual([])
      expect(yield* Effect.flatMap(Outbox, (outbox) => outbox.pendingCount)).toBe(1)
      expect(yield* Dispatcher.runDue([subscriber], options)).toBe(1)
      expect(yield* Dispatcher.runDue([subscriber], options)).toBe(0)
      expect(yield* Ref.get(seen)).toEqual([1])
    }).pipe(Effect.provide(layers)))

  it.effect("a failing subscriber fails neither the command nor loses the event: retried, then handled", () =>
    Effect.gen(function*() {
      const { dispatch, seen, subscriber } = yield* world(2)
      yield* dispatch({ _tag: "Ping", n: 7 })
      for (let round = 0; round < 3; round++) yield* Dispatcher.runDue([subscriber], options)
      expect(yield* Ref.get(seen)).toEqual([7])
      expect(yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.pendingCount)).toBe(0)
    }).pipe(Effect.provide(layers)))

  it.effect("after the last attempt the event is parked with its error, and an operator's replay handles it", () =>
    Effect.gen(function*() {
      const { dispatch, seen, subscriber } = yield* world(3)
      yield* dispatch({ _tag: "Ping", n: 9 })
      for (let round = 0; round < 5; round++) yield* Dispatcher.runDue([subscriber], options)
      const deliveries = yield* Deliveries
      const parked = yield* deliveries.parked
      expect(parked.map((p) => [p.subscriber, p.envelope.type, p.attempts])).toEqual([["counter", "Pinged", 3]])
      expect(parked[0]!.lastError).toContain("not now")
      expect(yield* Ref.get(seen)).toEqual([])
      expect(yield* deliveries.replay("counter", parked[0]!.envelope.id, new Date(0))).toBe(true)
      expect(yield* deliveries.replay("counter", parked[0]!.envelope.id, new Date(0))).toBe(false)
      yield* Dispatcher.runDue([subscriber], options)
      expect(yield* Ref.get(seen)).toEqual([9])
      expect(yield* deliveries.parked).toEqual([])
    }).pipe(Effect.provide(layers)))

  it.effect("an event delivered again after it was handled (a redelivery, a replay) is a no-op: the inbox", () =>
    Effect.gen(function*() {
      const { dispatch, seen, subscriber } = yield* world(0)
      yield* dispatch({ _tag: "Ping", n: 3 })
      yield* Dispatcher.runDue([subscriber], options)
      expect(yield* Ref.get(seen)).toEqual([3])
      // The same event comes back for the same subscriber, as a broker redelivery or a replayed delivery brings it.
      const published: Array<Envelope> = []
      yield* Effect.flatMap(Outbox, (outbox) => outbox.publishPending(10, (envelope) => Effect.sync(() => published.push(envelope))))
      const again = { subscriber: "counter", envelope: published[0]!, attempts: 1 }
      const deliveries = yield* Deliveries
      yield* deliveries.park(again, "redelivered", new Date(0))
      expect(yield* deliveries.replay("counter", again.envelope.id, new Date(0))).toBe(true)
      expect(yield* Dispatcher.runDue([subscriber], options)).toBe(1)
      expect(yield* Ref.get(seen)).toEqual([3])
      expect(yield* deliveries.pendingCount).toBe(0)
    }).pipe(Effect.provide(layers)))

  it.effect("a subscriber may issue further commands: their events are stored and delivered in turn", () =>
    Effect.gen(function*() {
      const { dispatch, seen, subscriber } = yield* world(0)
      // Answers every Pinged n < 3 with the command Ping n + 1, in the delivery's own unit of work.
      const echo: Subscriber<Outbox | UnitOfWork.UnitOfWork | CommitSignal.CommitSignal> = {
        name: "echo",
        types: ["Pinged"],
        handle: (envelope) =>
          Effect.flatMap(Schema.decodeUnknown(Pinged)(envelope.payload), (event) =>
            event.n < 3 ? Effect.asVoid(dispatch({ _tag: "Ping", n: event.n + 1 })) : Effect.void)
      }
      yield* dispatch({ _tag: "Ping", n: 1 })
      for (let round = 0; round < 4; round++) yield* Dispatcher.runDue([subscriber, echo], options)
      expect(yield* Ref.get(seen)).toEqual([1, 2, 3])
    }).pipe(Effect.provide(Layer.mergeAll(
      EventStoreMemory.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, [
        { name: "counter", types: ["Pinged"] },
        { name: "echo", types: ["Pinged"] }
      ]))),
      UnitOfWork.layerMemory,
      CommitSignal.layer
    ))))
})
