/**
 * AWS Lambda over SQS: each record's body is an Envelope (the same JSON the relay publishes), handled
 * by the same subscribers as the workers, through the inbox. The answer names exactly the records
 * to try again (`batchItemFailures`, with ReportBatchItemFailures on the event source), so one bad
 * record never fails the batch; SQS's redrive policy takes a record that keeps failing to its DLQ.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda"
import { Effect, type Layer, ManagedRuntime } from "effect"
import type { Deliveries } from "../kernel/Deliveries.js"
import * as Envelope from "../kernel/Envelope.js"
import * as EventHandling from "../kernel/EventHandling.js"
import type { Inbox } from "../kernel/Inbox.js"
import type { Subscriber } from "../kernel/Subscriber.js"
import type { UnitOfWork } from "../kernel/UnitOfWork.js"

export interface LambdaOptions {
  readonly retry: EventHandling.RetryPolicy
  /** Records handled at once within a batch. */
  readonly concurrency: number
}

/** True when the record is done with (handled, or parked for an operator); false to have SQS deliver it again. */
const handleRecord = <R>(subscribers: ReadonlyArray<Subscriber<R>>, options: LambdaOptions) => (record: SQSRecord) =>
  Effect.gen(function*() {
    const envelope = yield* Envelope.fromJson(record.body)
    // SQS counts receipts: the first delivery is 1, as in the other runners.
    const attempt = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1)
    const outcomes = yield* Effect.forEach(subscribers.filter((s) => s.types.includes(envelope.type)), (subscriber) =>
      Effect.map(EventHandling.attemptOrPark(subscriber, envelope, attempt, options.retry), (outcome) => outcome._tag !== "Retry"))
    return outcomes.every(Boolean)
  }).pipe(
    Effect.catchTag("ParseError", (error) =>
      Effect.as(Effect.logError("SQS record is not an event envelope; it can only end in the DLQ", error), false)),
    // Whatever else goes wrong (the database away) fails this record only.
    Effect.catchAllCause((cause) => Effect.as(Effect.logError("SQS record could not be handled", cause), false)),
    Effect.annotateLogs({ sqsMessageId: record.messageId })
  )

/**
 * The handler for a Lambda module: `export const handler = Lambda.make(layer, subscribers, options)`.
 * Its runtime (connections, pools) is built on the first invocation and kept for the container's life.
 */
export const make = <R, E>(
  layer: Layer.Layer<R | UnitOfWork | Inbox | Deliveries, E>,
  subscribers: ReadonlyArray<Subscriber<R>>,
  options: LambdaOptions
) => {
  const runtime = ManagedRuntime.make(layer)
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    runtime.runPromise(
      Effect.forEach(event.Records, (record) =>
        Effect.map(handleRecord(subscribers, options)(record), (done) => (done ? [] : [{ itemIdentifier: record.messageId }])), {
        concurrency: options.concurrency
      }).pipe(Effect.map((failures) => ({ batchItemFailures: failures.flat() })))
    )
}
