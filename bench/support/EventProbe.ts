/**
 * The events benchmark's own module, on the real kernel: a command (MessageBus.make) that raises one
 * event numbered `n`, and a subscriber that notes when it ran. A probe keeps, per event, the
 * performance.now() of each step: the command returned (committed), the event was picked up (the
 * local Dispatcher's claim returned it, or with NATS the broker acknowledged the relay's publish), the
 * subscriber's handle ran, and the handler's unit of work committed.
 * The last is seen through decorators of ports, never by changing src/: the handle marks its fiber,
 * and a UnitOfWork wrapped around the real one notes the time once that unit of work has committed.
 */
import { Effect, FiberRef, Layer, Option, Queue, Schema } from "effect"
import { performance } from "node:perf_hooks"
import { Deliveries } from "../../src/kernel/Deliveries.js"
import type { Envelope } from "../../src/kernel/Envelope.js"
import { ExternalBus } from "../../src/kernel/ExternalBus.js"
import * as MessageBus from "../../src/kernel/MessageBus.js"
import type { Subscriber } from "../../src/kernel/Subscriber.js"
import { UnitOfWork } from "../../src/kernel/UnitOfWork.js"

export const eventType = "BenchPinged"
const Pinged = Schema.TaggedStruct(eventType, { n: Schema.Int })
type Pinged = typeof Pinged.Type
const decodePinged = Schema.decodeUnknown(Pinged)

/** The command writes nothing but its event: what is measured is the event's way, not a domain's work. */
const commands = {
  BenchPing: (command: { readonly _tag: "BenchPing"; readonly n: number }) =>
    Effect.succeed(MessageBus.handled(undefined, [Pinged.make({ n: command.n })]))
}
const dispatch = MessageBus.make<typeof commands, Pinged>(commands, Schema.encodeSync(Pinged))

export interface Probe {
  readonly sent: Map<number, number>
  /** When the Dispatcher's claim that returned the event's delivery was sent, or (NATS) the relay's publish of it began. */
  readonly pickUpBegan: Map<number, number>
  /** When that claim returned, or (NATS) the broker acknowledged that publish. */
  readonly pickedUp: Map<number, number>
  readonly ran: Map<number, number>
  readonly committed: Map<number, number>
  /** Each event's n once its handler committed, in that order (a redelivery the inbox skipped is not offered). */
  readonly handled: Queue.Queue<number>
}

export const make: Effect.Effect<Probe> = Effect.map(Queue.unbounded<number>(), (handled) => ({
  sent: new Map(),
  pickUpBegan: new Map(),
  pickedUp: new Map(),
  ran: new Map(),
  committed: new Map(),
  handled
}))

/** Dispatches event n through the command bus and notes when the command returned: it has committed by then. */
export const ping = (probe: Probe, n: number) =>
  Effect.tap(dispatch({ _tag: "BenchPing", n }), () => Effect.sync(() => probe.sent.set(n, performance.now())))

/** Set by the handle, read by the UnitOfWork decorator after the commit: the fiber's own, so concurrent handlers stay apart. */
const handling = FiberRef.unsafeMake(Option.none<number>())

export const subscriber = (probe: Probe): Subscriber<never> => ({
  name: "bench.events-latency",
  types: [eventType],
  handle: (envelope) =>
    Effect.flatMap(Effect.orDie(decodePinged(envelope.payload)), ({ n }) =>
      Effect.zipRight(Effect.sync(() => probe.ran.set(n, performance.now())), FiberRef.set(handling, Option.some(n))))
})

/** The real unit of work, noting when a unit of work in which the probe's handle ran has committed. */
export const unitOfWork = (probe: Probe): Layer.Layer<UnitOfWork, never, UnitOfWork> =>
  Layer.effect(UnitOfWork, Effect.map(UnitOfWork, (inner) =>
    UnitOfWork.of({
      transactional: (effect) =>
        Effect.gen(function*() {
          yield* FiberRef.set(handling, Option.none())
          const result = yield* inner.transactional(effect)
          const n = yield* FiberRef.get(handling)
          if (Option.isSome(n) && !probe.committed.has(n.value)) {
            probe.committed.set(n.value, performance.now())
            yield* Queue.offer(probe.handled, n.value)
          }
          return result
        })
    })))

/** Notes the first pick-up of an event (a redelivery keeps the first), begun at `began`, done now. */
const notePickedUp = (probe: Probe, envelope: Envelope, began: number) => {
  const n = (envelope.payload as { readonly n?: unknown }).n
  if (typeof n !== "number" || probe.pickedUp.has(n)) return
  probe.pickUpBegan.set(n, began)
  probe.pickedUp.set(n, performance.now())
}

/** The real publisher, noting when the broker acknowledged each event (the relay's leg ends there). */
export const publisher = (probe: Probe): Layer.Layer<ExternalBus, never, ExternalBus> =>
  Layer.effect(ExternalBus, Effect.map(ExternalBus, (inner) =>
    ExternalBus.of({
      publish: (envelope) =>
        Effect.suspend(() => {
          const began = performance.now()
          return Effect.tap(inner.publish(envelope), () => Effect.sync(() => notePickedUp(probe, envelope, began)))
        })
    })))

/** The real deliveries, noting when a claim returned each event (the Dispatcher woke and found it). */
export const deliveries = (probe: Probe): Layer.Layer<Deliveries, never, Deliveries> =>
  Layer.effect(Deliveries, Effect.map(Deliveries, (inner) =>
    Deliveries.of({
      ...inner,
      claim: (...args) =>
        Effect.suspend(() => {
          const began = performance.now()
          return Effect.tap(inner.claim(...args), (claimed) => Effect.sync(() => claimed.forEach((delivery) => notePickedUp(probe, delivery.envelope, began))))
        })
    })))
