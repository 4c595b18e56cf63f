import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Logger, LogLevel, Queue, Schedule, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import { Envelope } from "../../src/kernel/Envelope.js"
import { ExternalBus } from "../../src/kernel/ExternalBus.js"
import type { Subscriber } from "../../src/kernel/Subscriber.js"
import * as JetStream from "../../src/worker/JetStream.js"
import * as JetStreamConsumer from "../../src/worker/JetStreamConsumer.js"
import { eventually } from "../support/Eventually.js"
import * as NatsServer from "../support/NatsServer.js"
import { suiteName } from "../support/Skips.js"

const ackWait = Duration.seconds(1)

const settings = (url: string): JetStream.JetStreamOptions => ({
  url,
  stream: "KINGDOM_EVENTS",
  subjectPrefix: "kingdom.events",
  duplicateWindow: Duration.minutes(1),
  ackWait,
  publishTimeout: Duration.seconds(1),
  connectTimeout: Duration.seconds(1),
  reconnectWait: Duration.millis(200),
  requestTimeout: Duration.seconds(2)
})

/** A private broker per test, the JetStream connection to it and the publisher. */
const bus = JetStream.publisher.pipe(
  Layer.provideMerge(Layer.unwrapEffect(Effect.map(NatsServer.TestNats, ({ url }) => JetStream.layer(settings(url))))),
  Layer.provideMerge(NatsServer.layer),
  // The failures these tests provoke are logged as warnings (and one error: the message that is not an envelope).
  Layer.merge(Logger.minimumLogLevel(LogLevel.Error))
)

/** Consumers are forked into the test's own scope, so they stop before the connection closes. */
const withBus = <A, E>(program: Effect.Effect<A, E, Scope.Scope | Layer.Layer.Success<typeof bus>>) =>
  program.pipe(Effect.scoped, Effect.provide(bus))

const envelope = (type: string, payload: unknown = { n: Math.random() }) =>
  new Envelope({ id: randomUUID(), type, occurredAt: new Date("2024-05-06T07:08:09.123Z"), payload })

const subscriber = (name: string, types: ReadonlyArray<string>): Subscriber<never> => ({ name, types, handle: () => Effect.void })

interface Delivery {
  readonly envelope: Envelope
  readonly attempt: number
}

/** A handler that records every delivery, then runs `then` (success by default). */
const recorder = Effect.map(Queue.unbounded<Delivery>(), (queue) => ({
  queue,
  handler: (then: (delivery: Delivery) => Effect.Effect<void, unknown> = () => Effect.void) =>
    (envelope: Envelope, attempt: number) => Effect.zipRight(Queue.offer(queue, { envelope, attempt }), then({ envelope, attempt })),
  next: Queue.take(queue).pipe(Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error("no delivery within 10 s") }))
}))

const fastRetry = { backoff: () => Duration.millis(100), pullExpires: Duration.seconds(2), resumeDelay: Duration.millis(200) }

const consumerInfo = (name: string) =>
  Effect.flatMap(JetStream.JetStream, ({ manager, options }) =>
    Effect.promise(() => manager.consumers.info(options.stream, JetStreamConsumer.consumerName(name))))

/**
 * Nothing pending and nothing unacked: from here the broker has nothing to deliver again, so no
 * wait can show a redelivery that this does not rule out. (It records acks a moment after the handler
 * returns, hence the polling.)
 */
const allAcked = (name: string) =>
  eventually(Effect.flatMap(consumerInfo(name), (info) => Effect.sync(() => {
    expect(info.num_ack_pending).toBe(0)
    expect(info.num_pending).toBe(0)
  })))

/**
 * Proof, on the broker's own clock, that `ackWaits` times `ackWait` have passed since it was called: a
 * message of its own, read by a consumer of its own that neither acks it nor says it is working on
 * it, has been delivered that many times again.
 */
const ackWaitsPass = (ackWaits: number, ackWait: Duration.Duration) =>
  Effect.gen(function*() {
    const { client, manager, options } = yield* JetStream.JetStream
    const { publish } = yield* ExternalBus
    const name = "broker-clock"
    yield* Effect.promise(() =>
      manager.consumers.add(options.stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(Duration.toMillis(ackWait)),
        filter_subject: `${options.subjectPrefix}.BrokerClock`
      }))
    yield* publish(envelope("BrokerClock"))
    const consumer = yield* Effect.promise(() => client.consumers.get(options.stream, name))
    let deliveries = 0
    while (deliveries <= ackWaits) {
      const message = yield* Effect.promise(() => consumer.next({ expires: Duration.toMillis(ackWait) * 2 }))
      if (message !== null) deliveries = message.info.deliveryCount
    }
  }).pipe(Effect.timeoutFail({ duration: Duration.seconds(30), onTimeout: () => new Error("the broker never delivered its clock message again") }))

/**
 * One pull on the subscriber's consumer beside its worker, as a second worker would make: a message
 * whose ackWait ran out is handed over at once (its delivery count is answered); otherwise the pull
 * expires with nothing (undefined).
 */
const competingPull = (subscriberName: string) =>
  Effect.gen(function*() {
    const { client, options } = yield* JetStream.JetStream
    const consumer = yield* Effect.promise(() => client.consumers.get(options.stream, JetStreamConsumer.consumerName(subscriberName)))
    const message = yield* Effect.promise(() => consumer.next({ expires: Duration.toMillis(ackWait) }))
    return message?.info.deliveryCount
  })

describe("JetStream bus without a broker", () => {
  it.live("refuses to start, naming the URL but not its credentials", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(JetStream.layer(settings("nats://alice:s3cret@127.0.0.1:1"))).pipe(Effect.scoped))
      expect(error._tag).toBe("BusUnavailable")
      expect(error.message).toContain("nats://127.0.0.1:1")
      expect(error.message).not.toContain("s3cret")
    }))
})

describe.skipIf(NatsServer.unavailable !== undefined)(suiteName("JetStream bus: publisher and consumers", NatsServer.unavailable), () => {
  it.live("delivers a published envelope intact, and only the subscribed types", () =>
    Effect.gen(function*() {
      const { publish } = yield* ExternalBus
      const { handler, next } = yield* recorder
      const wanted = envelope("UserRegistered", { userId: "u1", roles: ["admin"], nested: { ok: true } })
      yield* publish(wanted)
      yield* publish(envelope("RoleCreated"))
      const mail = subscriber("test.welcome mail", ["UserRegistered"])
      yield* Effect.forkScoped(JetStreamConsumer.consume(mail, handler(), fastRetry))

      const first = yield* next
      expect(first.attempt).toBe(1)
      expect(first.envelope).toEqual(wanted)
      expect(first.envelope.occurredAt.toISOString()).toBe("2024-05-06T07:08:09.123Z")
      // Delivered in stream order: had RoleCreated been delivered, it would come before this one.
      const later = envelope("UserRegistered")
      yield* publish(later)
      expect((yield* next).envelope.id).toBe(later.id)
      yield* allAcked(mail.name)
      expect((yield* consumerInfo(mail.name)).name).toMatch(/^test_welcome_mail-[0-9a-f]{8}$/)
    }).pipe(withBus))

  it.live("delivers each of several subscribed types, and terminates a message that is not an envelope", () =>
    Effect.gen(function*() {
      const { publish } = yield* ExternalBus
      const { client } = yield* JetStream.JetStream
      const { handler, next } = yield* recorder
      const registered = envelope("UserRegistered")
      const created = envelope("RoleCreated")
      yield* publish(registered)
      yield* publish(envelope("UserRenamed"))
      yield* Effect.promise(() => client.publish("kingdom.events.RoleCreated", "{not json"))
      yield* publish(created)
      const audit = subscriber("audit", ["UserRegistered", "RoleCreated"])
      yield* Effect.forkScoped(JetStreamConsumer.consume(audit, handler(), fastRetry))
      expect([(yield* next).envelope.id, (yield* next).envelope.id]).toEqual([registered.id, created.id])
      yield* allAcked(audit.name)
      expect((yield* consumerInfo(audit.name)).num_redelivered).toBe(0)
    }).pipe(withBus))

  it.live("stores an envelope published twice within the duplicate window once", () =>
    Effect.gen(function*() {
      const { publish } = yield* ExternalBus
      const { manager, options } = yield* JetStream.JetStream
      const { handler, next } = yield* recorder
      const once = envelope("UserRegistered")
      yield* publish(once)
      yield* publish(once)
      expect((yield* Effect.promise(() => manager.streams.info(options.stream))).state.messages).toBe(1)

      const reader = subscriber("dedup-reader", ["UserRegistered"])
      yield* Effect.forkScoped(JetStreamConsumer.consume(reader, handler(), fastRetry))
      expect((yield* next).envelope.id).toBe(once.id)
      const after = envelope("UserRegistered")
      yield* publish(after)
      expect((yield* next).envelope.id).toBe(after.id)
    }).pipe(withBus))

  it.live("delivers a failed message again with the next attempt number until it succeeds", () =>
    Effect.gen(function*() {
      const { publish } = yield* ExternalBus
      const { handler, next, queue } = yield* recorder
      const flaky = subscriber("flaky", ["UserRegistered"])
      const failTwice = ({ attempt }: Delivery) => (attempt < 3 ? Effect.fail("not yet") : Effect.void)
      yield* Effect.forkScoped(JetStreamConsumer.consume(flaky, handler(failTwice), fastRetry))
      const event = envelope("UserRegistered")
      yield* publish(event)

      const attempts = [yield* next, yield* next, yield* next]
      expect(attempts.map((delivery) => [delivery.envelope.id, delivery.attempt])).toEqual([[event.id, 1], [event.id, 2], [event.id, 3]])
      yield* allAcked(flaky.name)
      // Three deliveries in all, by the broker's count, and none beyond them reached the handler.
      expect((yield* consumerInfo(flaky.name)).delivered.consumer_seq).toBe(3)
      expect(yield* Queue.size(queue)).toBe(0)
    }).pipe(withBus))

  it.live("redelivers a message whose worker was killed mid-handler to the next worker", () =>
    Effect.gen(function*() {
      const { publish } = yield* ExternalBus
      const first = yield* recorder
      const worker = subscriber("killable", ["UserRegistered"])
      const stuck = yield* Effect.forkScoped(JetStreamConsumer.consume(worker, first.handler(() => Effect.never), fastRetry))
      const event = envelope("UserRegistered")
      yield* publish(event)
      expect((yield* first.next).attempt).toBe(1)

      // Twice the ackWait by the broker's clock: the keep-alive holds the message, so another worker's
      // pull gets nothing and nothing has been delivered again.
      yield* ackWaitsPass(2, ackWait)
      expect(yield* competingPull(worker.name)).toBeUndefined()
      const held = yield* consumerInfo(worker.name)
      expect([held.num_ack_pending, held.num_redelivered]).toEqual([1, 0])

      yield* Fiber.interrupt(stuck).pipe(Effect.timeoutFail({ duration: Duration.seconds(2), onTimeout: () => new Error("interrupt hung") }))
      const second = yield* recorder
      // A shorter ackWait this time: the consumer is updated in place, its pending message kept.
      yield* Effect.forkScoped(JetStreamConsumer.consume(worker, second.handler(), { ...fastRetry, ackWait: Duration.millis(800) }))
      const again = yield* second.next
      expect([again.envelope.id, again.attempt]).toEqual([event.id, 2])
      expect((yield* consumerInfo(worker.name)).config.ack_wait).toBe(800_000_000)
      yield* allAcked(worker.name)
      expect([yield* Queue.size(first.queue), yield* Queue.size(second.queue)]).toEqual([0, 0])
    }).pipe(withBus))

  it.live("survives a broker restart: publish fails fast while it is down, consumers resume", () =>
    Effect.gen(function*() {
      const nats = yield* NatsServer.TestNats
      const { publish } = yield* ExternalBus
      const { handler, queue, next } = yield* recorder
      const pending = envelope("UserRegistered")
      const failFirstOfPending = ({ envelope, attempt }: Delivery) => (envelope.id === pending.id && attempt === 1 ? Effect.fail("later") : Effect.void)
      const worker = subscriber("restartable", ["UserRegistered"])
      yield* Effect.forkScoped(JetStreamConsumer.consume(worker, handler(failFirstOfPending), { ...fastRetry, backoff: () => Duration.seconds(2) }))

      const before = envelope("UserRegistered")
      yield* publish(before)
      expect((yield* next).envelope.id).toBe(before.id)
      // Naked with a 2 s delay: still unacked in the file store when the broker stops.
      yield* publish(pending)
      expect((yield* next).envelope.id).toBe(pending.id)

      yield* nats.stop
      // Refused while the broker is still down (it is started only after): the publish does not wait for it.
      const refused = yield* Effect.flip(publish(envelope("UserRegistered")))
      expect(refused._tag).toBe("BusUnavailable")

      yield* nats.start
      const after = envelope("UserRegistered")
      // As the relay would: the client needs a moment to reconnect.
      yield* publish(after).pipe(Effect.retry(Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(Duration.seconds(10)))))

      const seen = new Map<string, number>()
      while (!seen.has(after.id) || !seen.has(pending.id)) {
        const delivery = yield* next
        seen.set(delivery.envelope.id, delivery.attempt)
      }
      expect(seen.get(pending.id)).toBeGreaterThanOrEqual(2)
      expect(seen.has(before.id)).toBe(false)
      yield* allAcked(worker.name)
      // The publish refused while the broker was down may have reached it after the reconnect; nothing else arrives.
      const extra = yield* Queue.takeAll(queue)
      expect([...extra].filter((delivery) => delivery.envelope.id === before.id)).toEqual([])
    }).pipe(withBus))
})
