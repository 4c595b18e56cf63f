import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import { randomUUID } from "node:crypto"
import * as CommitSignal from "../../../src/kernel/CommitSignal.js"
import { Envelope } from "../../../src/kernel/Envelope.js"
import { ExternalBus } from "../../../src/kernel/ExternalBus.js"
import * as EventStoreMemory from "../../../src/kernel/memory/EventStoreMemory.js"
import { LocalSubscriptions, Outbox } from "../../../src/kernel/Outbox.js"
import * as Relay from "../../../src/worker/Relay.js"

const events = Layer.mergeAll(EventStoreMemory.layer, CommitSignal.layer).pipe(Layer.provide(Layer.succeed(LocalSubscriptions, [])))

describe("the relay", () => {
  it.scoped("stopped while the broker is storing a batch, finishes it first: the event is marked published, not sent again", () =>
    Effect.gen(function*() {
      const outbox = yield* Outbox
      yield* outbox.append([new Envelope({ id: randomUUID(), type: "Ping", occurredAt: new Date(), payload: {} })])
      const publishing = yield* Deferred.make<void>()
      const stored = yield* Deferred.make<void>()
      const bus = ExternalBus.of({ publish: () => Effect.zipRight(Deferred.succeed(publishing, undefined), Deferred.await(stored)) })
      const relay = yield* Effect.fork(Relay.run({ batchSize: 10, pollInterval: Duration.seconds(10) }).pipe(Effect.provideService(ExternalBus, bus)))
      yield* Deferred.await(publishing)
      // The stop reaches the relay (queued before the broker's answer) while the publish still waits;
      // an interruptible round would end on it, its event left unmarked.
      yield* Fiber.interruptAsFork(relay, yield* Effect.fiberId)
      yield* Deferred.succeed(stored, undefined)
      expect(Exit.isInterrupted(yield* Fiber.await(relay))).toBe(true)
      expect(yield* outbox.pendingCount).toBe(0)
    }).pipe(Effect.provide(events)))
})
