/**
 * At-least-once delivery end to end, through the faults it is built for: the relay killed between the
 * broker's ack and its own commit, a worker killed mid-handler, the broker stopped while commands keep
 * committing events, a copy the broker stored twice, and two relays on one outbox. Whatever happens,
 * every committed event ends up handled exactly once in effect (one `fault_effects` row), none lost.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Logger, LogLevel, Ref, type Scope } from "effect"
import { Deliveries } from "../../src/kernel/Deliveries.js"
import { toJson } from "../../src/kernel/Envelope.js"
import { ExternalBus } from "../../src/kernel/ExternalBus.js"
import { Outbox } from "../../src/kernel/Outbox.js"
import * as JetStream from "../../src/worker/JetStream.js"
import * as Relay from "../../src/worker/Relay.js"
import * as Worker from "../../src/worker/Worker.js"
import * as Pipeline from "../support/EventPipeline.js"
import * as NatsServer from "../support/NatsServer.js"
import * as Skips from "../support/Skips.js"
import { type Backend, backends } from "../support/TestDatabases.js"

const workerOptions: Worker.WorkerOptions = {
  retry: { maxAttempts: 20, baseDelay: Duration.millis(100), maxDelay: Duration.millis(500) },
  concurrency: 4
}

const relayOptions: Relay.RelayOptions = { batchSize: 10, pollInterval: Duration.millis(100) }

/** Fibers forked into the test's own scope stop before the broker connection and the database close. */
const withPipeline = (backend: Backend) =>
<A, E>(program: Effect.Effect<A, E, Scope.Scope | Pipeline.Services>) =>
  program.pipe(
    Effect.scoped,
    Effect.provide(Pipeline.layer(backend.layer)),
    // The faults provoked here are logged as warnings by design.
    Effect.provide(Logger.minimumLogLevel(LogLevel.Error))
  )

const emitAll = (from: number, to: number) =>
  Effect.forEach(Array.from({ length: to - from + 1 }, (_, i) => from + i), (n) => Pipeline.emit({ _tag: "Emit", n }), { discard: true })

const startWorker = (subscriber = Pipeline.recorder()) => Effect.forkScoped(Worker.run([subscriber], workerOptions))

/**
 * Every one of `count` events handled exactly once in effect, the outbox published, the stream holding
 * `stored` messages (each event once unless a test stored copies), the consumer with nothing pending
 * and nothing unacked, nothing parked. Final, not a moment's state: with nothing unacked and nothing
 * left in the outbox, neither the broker nor the relay has anything to send again.
 */
const exactlyOnce = (count: number, stored = count) =>
  Effect.gen(function*() {
    const check = Effect.gen(function*() {
      expect(yield* Pipeline.summary).toEqual(Pipeline.settled(count))
      expect(yield* Pipeline.streamMessages).toBe(stored)
      const consumer = yield* Pipeline.consumerInfo
      expect([consumer.num_pending, consumer.num_ack_pending]).toEqual([0, 0])
    })
    // A failed expect is a defect in Effect.gen; as a failure it is retried.
    yield* Pipeline.eventually(Effect.catchAllDefect(check, Effect.fail))
    expect(yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.pendingCount)).toBe(0)
  })

/** The real bus for `k` publishes; at the next one the relay is killed by `kill`, before its commit. */
const killedAfter = (k: number, kill: Effect.Effect<never>) =>
  Effect.gen(function*() {
    const bus = yield* ExternalBus
    const published = yield* Ref.make(0)
    return ExternalBus.of({
      publish: (envelope) =>
        Effect.flatMap(Ref.get(published), (n) => (n >= k ? kill : Effect.zipRight(bus.publish(envelope), Ref.update(published, (m) => m + 1))))
    })
  })

/** The real bus, recording what this relay published. */
const counted = (log: Ref.Ref<ReadonlyArray<string>>) =>
  Effect.map(ExternalBus, (bus) =>
    ExternalBus.of({ publish: (envelope) => Effect.tap(bus.publish(envelope), () => Ref.update(log, (ids) => [...ids, envelope.id])) }))

for (const backend of backends) {
  const skip = Skips.reason(backend.skip, NatsServer.unavailable)
  describe.skipIf(skip !== undefined)(Skips.suiteName(`event delivery under faults (${backend.name})`, skip), () => {
    const crashes = [
      {
        name: "crashes (a defect)",
        round: (k: number) =>
          Effect.gen(function*() {
            const bus = yield* killedAfter(k, Effect.dieMessage("relay crashed after the broker's ack"))
            return yield* Effect.exit(Relay.publishPending(20).pipe(Effect.provideService(ExternalBus, bus)))
          })
      },
      {
        name: "is interrupted from outside",
        round: (k: number) =>
          Effect.gen(function*() {
            const stuck = yield* Deferred.make<void>()
            const bus = yield* killedAfter(k, Effect.zipRight(Deferred.succeed(stuck, undefined), Effect.never))
            const round = yield* Effect.fork(Relay.publishPending(20).pipe(Effect.provideService(ExternalBus, bus)))
            yield* Deferred.await(stuck)
            return yield* Fiber.interrupt(round)
          })
      }
    ]

    for (const crash of crashes) {
      it.live(`a relay that ${crash.name} between publish and commit: republished, stored and handled once`, () =>
        Effect.gen(function*() {
          const outbox = yield* Outbox
          yield* emitAll(1, 8)
          const exit = yield* crash.round(5)
          expect(Exit.isFailure(exit)).toBe(true)
          // The broker stored five, but the round's marks rolled back with it.
          expect(yield* Pipeline.streamMessages).toBe(5)
          expect(yield* outbox.pendingCount).toBe(8)

          expect(yield* Relay.publishPending(20)).toBe(8)
          expect(yield* Pipeline.streamMessages).toBe(8)
          expect(yield* outbox.pendingCount).toBe(0)
          yield* startWorker()
          yield* exactlyOnce(8)
        }).pipe(withPipeline(backend)), 30_000)
    }

    it.live("a copy the broker cannot drop (republished past its duplicate window) is a no-op in the inbox", () =>
      Effect.gen(function*() {
        yield* emitAll(1, 5)
        expect(yield* Relay.publishPending(20)).toBe(5)
        yield* startWorker()
        yield* exactlyOnce(5)
        // Without a message id the broker stores each copy, as it would once the window has passed.
        const { client, options } = yield* JetStream.JetStream
        for (const envelope of yield* Pipeline.outboxEnvelopes) {
          yield* Effect.promise(() => client.publish(`${options.subjectPrefix}.${envelope.type}`, toJson(envelope)))
        }
        yield* exactlyOnce(5, 10)
        expect((yield* Pipeline.consumerInfo).delivered.consumer_seq).toBe(10)
      }).pipe(withPipeline(backend)), 30_000)

    it.live("a worker killed mid-handler: its write rolls back, the event comes again after ackWait and is handled once", () =>
      Effect.gen(function*() {
        yield* emitAll(1, 10)
        expect(yield* Relay.publishPending(20)).toBe(10)
        const blocked = yield* Deferred.make<void>()
        const blockedOnce = yield* Ref.make(false)
        // Blocks after its INSERT, inside the inbox's transaction, the first time it sees event 4.
        const stall = (event: Pipeline.Emitted) =>
          event.n !== 4 ? Effect.void : Effect.flatMap(Ref.getAndSet(blockedOnce, true), (already) =>
            already ? Effect.void : Effect.zipRight(Deferred.succeed(blocked, undefined), Effect.never))
        const first = yield* startWorker(Pipeline.recorder(stall))
        yield* Deferred.await(blocked).pipe(Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error("never blocked") }))
        // No query before this: on PGlite the blocked handler holds the one session.
        yield* Fiber.interrupt(first).pipe(Effect.timeoutFail({ duration: Duration.seconds(5), onTimeout: () => new Error("interrupt hung") }))
        const summary = yield* Pipeline.summary
        expect(summary.effects).toBeLessThan(10) // at least event 4's row went with its transaction
        expect(summary.unpublished).toBe(0)

        yield* startWorker()
        yield* exactlyOnce(10)
        // The consumer's sequence counts deliveries, the stream's messages: more of the first means redeliveries.
        expect((yield* Pipeline.consumerInfo).delivered.consumer_seq).toBeGreaterThan(10)
      }).pipe(withPipeline(backend)), 30_000)

    it.live("NATS stopped while commands commit events: the relay resumes after the restart, nothing lost or doubled", () =>
      Effect.gen(function*() {
        const nats = yield* NatsServer.TestNats
        const outbox = yield* Outbox
        yield* Effect.forkScoped(Relay.run(relayOptions))
        yield* startWorker()
        // The broker stops right after the tenth commit, most likely while the relay publishes the first ones.
        yield* emitAll(1, 10)
        yield* nats.stop
        yield* emitAll(11, 40)
        // Nothing committed since the stop can have been published: those events wait in the outbox.
        expect(yield* outbox.pendingCount).toBeGreaterThanOrEqual(30)
        yield* nats.start
        yield* emitAll(41, 50)
        yield* exactlyOnce(50)
      }).pipe(withPipeline(backend)), 40_000)

    it.live("two relays on one outbox: each event published once, handled once", () =>
      Effect.gen(function*() {
        const logs = [yield* Ref.make<ReadonlyArray<string>>([]), yield* Ref.make<ReadonlyArray<string>>([])]
        yield* emitAll(1, 40)
        for (const log of logs) {
          const bus = yield* counted(log)
          yield* Effect.forkScoped(Relay.run({ ...relayOptions, batchSize: 5 }).pipe(Effect.provideService(ExternalBus, bus)))
        }
        yield* startWorker()
        // More events while both relays run, so their rounds overlap on fresh rows too.
        yield* Effect.forEach([41, 42, 43, 44, 45, 46, 47, 48, 49, 50], (n) => Pipeline.emit({ _tag: "Emit", n }), { concurrency: 5, discard: true })
        yield* exactlyOnce(50)
        const perRelay = yield* Effect.forEach(logs, Ref.get)
        const published = perRelay.flat()
        expect(published.length).toBe(50)
        expect(new Set(published).size).toBe(50)
        // On PostgreSQL the rounds really overlap (SKIP LOCKED splits the rows); PGlite's one session serialises them.
        if (backend.name.startsWith("PostgreSQL")) expect(perRelay.map((ids) => ids.length > 0)).toEqual([true, true])
      }).pipe(withPipeline(backend)), 30_000)
  })
}
