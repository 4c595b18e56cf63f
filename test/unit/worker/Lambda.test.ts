/**
 * The SQS Lambda's side of the contract with SQS (ReportBatchItemFailures): it names exactly the
 * records SQS must deliver again, parks what failed its last allowed receipt instead of naming it,
 * and handles a record SQS delivers twice only once. On the in-memory event store and unit of work.
 */
import { describe, expect, it } from "@effect/vitest"
import type { SQSBatchResponse, SQSRecord } from "aws-lambda"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { Deliveries } from "../../../src/kernel/Deliveries.js"
import * as Envelope from "../../../src/kernel/Envelope.js"
import * as EventStoreMemory from "../../../src/kernel/memory/EventStoreMemory.js"
import { LocalSubscriptions } from "../../../src/kernel/Outbox.js"
import type { Subscriber } from "../../../src/kernel/Subscriber.js"
import * as UnitOfWork from "../../../src/kernel/UnitOfWork.js"
import * as Lambda from "../../../src/worker/Lambda.js"

const Ping = Schema.Struct({ n: Schema.Number, fail: Schema.optionalWith(Schema.Boolean, { default: () => false }) })

/** A subscriber that records the pings it handled and refuses those marked `fail`. */
const recorder = (name: string) => {
  // A plain array: the Lambda's runtime and the test share it, and JavaScript runs one of them at a time.
  const handled: Array<number> = []
  const subscriber: Subscriber<never> = {
    name,
    types: ["Pinged"],
    handle: (envelope) =>
      Effect.flatMap(Schema.decodeUnknown(Ping)(envelope.payload), (ping) =>
        ping.fail ? Effect.fail(new Error(`ping ${ping.n} refused`)) : Effect.sync(() => void handled.push(ping.n)))
  }
  return { handled, subscriber }
}

const ping = (n: number, fail = false, type = "Pinged") =>
  new Envelope.Envelope({ id: randomUUID(), type, occurredAt: new Date(), payload: { n, fail } })

/** An SQS record as Lambda's event source hands it over; only body, messageId and the receive count matter here. */
const record = (body: string, receiveCount = 1, messageId: string = randomUUID()): SQSRecord => ({
  messageId,
  receiptHandle: `receipt-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: String(receiveCount),
    SentTimestamp: "0",
    SenderId: "test",
    ApproximateFirstReceiveTimestamp: "0"
  },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:events",
  awsRegion: "eu-west-1"
})

const options: Lambda.LambdaOptions = {
  retry: { maxAttempts: 3, baseDelay: Duration.zero, maxDelay: Duration.zero },
  concurrency: 4
}

// The Lambda's events come from SQS, not from an outbox of its own: no local subscriptions.
const world = Layer.mergeAll(
  EventStoreMemory.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, []))),
  UnitOfWork.layerMemory
)

// The failures these tests provoke are logged as errors and warnings by design; the assertions say what happened.
const silent = Logger.minimumLogLevel(LogLevel.None)

/**
 * The handler over a fresh memory world, built here so the test can look into the same Deliveries
 * the handler parks in.
 */
const lambda = (subscribers: ReadonlyArray<Subscriber<never>>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(world)
    const handler = Lambda.make(Layer.merge(Layer.succeedContext(context), silent), subscribers, options)
    return {
      invoke: (...records: ReadonlyArray<SQSRecord>) =>
        Effect.promise((): Promise<SQSBatchResponse> => handler({ Records: [...records] })),
      deliveries: Context.get(context, Deliveries)
    }
  })

const failed = (response: SQSBatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier)

describe("Lambda over SQS", () => {
  it.scopedLive("a batch of good records: every one handled, no failures", () =>
    Effect.gen(function*() {
      const { handled, subscriber } = recorder("recorder")
      const { invoke } = yield* lambda([subscriber])
      const response = yield* invoke(...[1, 2, 3].map((n) => record(Envelope.toJson(ping(n)))))
      expect(response).toEqual({ batchItemFailures: [] })
      expect([...handled].sort()).toEqual([1, 2, 3])
    }))

  it.scopedLive("names exactly the malformed and the failing records; the good ones in the batch are handled", () =>
    Effect.gen(function*() {
      const { handled, subscriber } = recorder("recorder")
      const { deliveries, invoke } = yield* lambda([subscriber])
      const notJson = record("{not json")
      const notAnEnvelope = record(JSON.stringify({ id: "not-a-uuid", type: "Pinged" }))
      const failing = record(Envelope.toJson(ping(2, true)))
      const response = yield* invoke(record(Envelope.toJson(ping(1))), notJson, failing, notAnEnvelope, record(Envelope.toJson(ping(3))))
      expect(failed(response)).toEqual([notJson.messageId, failing.messageId, notAnEnvelope.messageId])
      expect([...handled].sort()).toEqual([1, 3])
      // Attempts are left: SQS retries; nothing is parked.
      expect(yield* deliveries.parked).toEqual([])
    }))

  it.scopedLive("a record failing at its last allowed receipt is parked with its error, not handed back to SQS", () =>
    Effect.gen(function*() {
      const { handled, subscriber } = recorder("recorder")
      const { deliveries, invoke } = yield* lambda([subscriber])
      const last = ping(7, true)
      const beyond = ping(8, true)
      const notYet = record(Envelope.toJson(ping(9, true)), options.retry.maxAttempts - 1)
      const response = yield* invoke(
        record(Envelope.toJson(last), options.retry.maxAttempts),
        record(Envelope.toJson(beyond), options.retry.maxAttempts + 2),
        notYet
      )
      expect(failed(response)).toEqual([notYet.messageId])
      const parked = yield* deliveries.parked
      expect(parked.map((p) => [p.subscriber, p.envelope, p.attempts])).toEqual([
        ["recorder", last, options.retry.maxAttempts],
        ["recorder", beyond, options.retry.maxAttempts + 2]
      ])
      expect(parked[0]!.lastError).toContain("ping 7 refused")
      expect(parked[1]!.lastError).toContain("ping 8 refused")
      expect(handled).toEqual([])
    }))

  it.scopedLive("a record SQS delivers twice (in one batch, then again) is handled once: the inbox", () =>
    Effect.gen(function*() {
      const { handled, subscriber } = recorder("recorder")
      const { invoke } = yield* lambda([subscriber])
      const body = Envelope.toJson(ping(5))
      expect(failed(yield* invoke(record(body), record(body)))).toEqual([])
      expect(failed(yield* invoke(record(body, 2)))).toEqual([])
      expect(handled).toEqual([5])
    }))

  it.scopedLive("a redelivered record skips the subscribers that already handled it and retries only the failing one", () =>
    Effect.gen(function*() {
      const good = recorder("good")
      const flaky = recorder("flaky")
      // Fails on the first receipt only.
      let refusals = 1
      const once: Subscriber<never> = {
        ...flaky.subscriber,
        handle: (envelope) =>
          Effect.suspend(() => refusals-- > 0 ? Effect.fail(new Error("not yet")) : flaky.subscriber.handle(envelope))
      }
      const { invoke } = yield* lambda([good.subscriber, once])
      const body = Envelope.toJson(ping(4))
      const first = record(body, 1)
      expect(failed(yield* invoke(first))).toEqual([first.messageId])
      expect(failed(yield* invoke(record(body, 2, first.messageId)))).toEqual([])
      expect(good.handled).toEqual([4])
      expect(flaky.handled).toEqual([4])
    }))

  it.scopedLive("a record of a type no subscriber handles succeeds without handling anything", () =>
    Effect.gen(function*() {
      const { handled, subscriber } = recorder("recorder")
      const { deliveries, invoke } = yield* lambda([subscriber])
      expect(yield* invoke(record(Envelope.toJson(ping(6, true, "SomethingElse"))))).toEqual({ batchItemFailures: [] })
      expect(handled).toEqual([])
      expect(yield* deliveries.pendingCount).toBe(0)
    }))
})
