/**
 * Reading the event stream: one durable pull consumer per subscriber. Delivery is at least once: a
 * message is acked only after its handler succeeded, so a crash, an interruption or a broker restart
 * leaves it to be delivered again, and the inbox on the handler side makes that harmless.
 */
import { AckPolicy, DeliverPolicy, JetStreamApiCodes } from "@nats-io/jetstream"
import type { ConsumerConfig, ConsumerMessages, JsMsg } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Cause, type Context, Duration, Effect, Exit, Schedule, Stream } from "effect"
import { createHash } from "node:crypto"
import { type Envelope, fromJson } from "../kernel/Envelope.js"
import { BusUnavailable } from "../kernel/ExternalBus.js"
import type { Subscriber } from "../kernel/Subscriber.js"
import { describe, isApiError, JetStream, ms, pullAll, requestTimeout, serverAtLeast, subject } from "./JetStream.js"

/**
 * The durable consumer name of a subscriber. NATS refuses whitespace, `.`, `*`, `>`, slashes and
 * non-printable characters in it, so every character outside [A-Za-z0-9_-] becomes `_`; when one was
 * replaced, 8 hex digits of the name's SHA-256 are appended (`auth.welcome` → `auth_welcome-1f0c…`) so
 * two subscribers whose names differ only there never share (and split) one consumer.
 */
export const consumerName = (subscriberName: string) => {
  const safe = subscriberName.replace(/[^A-Za-z0-9_-]/g, "_")
  return safe === subscriberName ? safe : `${safe}-${createHash("sha256").update(subscriberName).digest("hex").slice(0, 8)}`
}

export interface ConsumeOptions {
  /** The delay before a failed delivery is offered again, by attempt (1 for the first delivery). */
  readonly backoff: (attempt: number) => Duration.Duration
  /** How long the broker waits for an ack before delivering again (default JetStreamOptions.ackWait). */
  readonly ackWait?: Duration.Duration
  /** Handlers running at once (default 1). */
  readonly concurrency?: number
  /** Messages per pull request (default: concurrency); small, as a buffered message's ack timer runs unattended. */
  readonly batchSize?: number
  /** Lifetime of a pull request, at least 1 s; it also paces the client's checks after a reconnect (default 30 s). */
  readonly pullExpires?: Duration.Duration
  /** Pause before setting the subscription up again after it failed or ended (default 1 s). */
  readonly resumeDelay?: Duration.Duration
}

const ensureConsumer = (js: Context.Tag.Service<JetStream>, name: string, subjects: ReadonlyArray<string>, ackWait: Duration.Duration) =>
  Effect.tryPromise({
    try: async () => {
      const { stream, subjectPrefix } = js.options
      // Several filter subjects need a 2.10 server; before it, a consumer of several types reads them
      // all and `consume` acks the others unseen.
      const filter: Partial<ConsumerConfig> = serverAtLeast(js.connection, "2.10.0")
        ? { filter_subject: "", filter_subjects: [...subjects] }
        : { filter_subject: subjects.length === 1 ? subjects[0]! : subject(subjectPrefix, ">") }
      const changes: Partial<ConsumerConfig> = { ...filter, ack_wait: nanos(ms(ackWait)), max_deliver: -1 }
      const exists = await js.manager.consumers.info(stream, name).then(() => true, (error: unknown) => {
        if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return false
        throw error
      })
      await (exists
        ? js.manager.consumers.update(stream, name, changes)
        : js.manager.consumers.add(stream, { ...changes, durable_name: name, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All }))
      return await js.client.consumers.get(stream, name)
    },
    catch: (cause) => new BusUnavailable({ reason: `cannot set up consumer ${name}: ${describe(cause)}` })
  })

/**
 * The client recovers by itself from a reconnect or a vanished consumer (it keeps asking until it is
 * back); these notices say why nothing arrives meanwhile. Recreating the consumer here instead could
 * race a broker still restoring it and start a fresh one from the first event.
 */
const logNotifications = (messages: ConsumerMessages) =>
  pullAll(messages.status()).pipe(
    Stream.runForEach((notice) =>
      notice.type === "consumer_not_found" || notice.type === "stream_not_found" || notice.type === "consumer_deleted"
        ? Effect.logWarning(`the broker reports ${notice.type.replaceAll("_", " ")}; waiting for it to come back`)
        : Effect.void
    ),
    Effect.ignore
  )

/** Runs the handler while telling the broker, every ackWait/2, that the message is still in hand. */
const handleKeepingAlive = <R>(message: JsMsg, run: Effect.Effect<void, unknown, R>, ackWait: Duration.Duration) =>
  Effect.scoped(Effect.zipRight(
    Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(Duration.times(ackWait, 0.5)), Effect.sync(() => message.working())))),
    Effect.exit(run)
  ))

const settle = (message: JsMsg, exit: Exit.Exit<void, unknown>, backoff: ConsumeOptions["backoff"], timeout: number) =>
  Exit.match(exit, {
    onSuccess: () =>
      Effect.tryPromise(() => message.ackAck({ timeout })).pipe(
        Effect.catchAll((error) => Effect.logWarning("ack not confirmed; the message may come again", error.cause))
      ),
    onFailure: (cause) => {
      // Interrupted with the worker: no verdict, the broker delivers it again after ackWait.
      if (Cause.isInterruptedOnly(cause)) return Effect.void
      const attempt = message.info.deliveryCount
      const delay = backoff(attempt)
      message.nak(ms(delay))
      return Effect.logWarning(`handler failed on attempt ${attempt}; offered again in ${Duration.format(delay)}`, cause)
    }
  })

/**
 * Delivers the subscriber's event types to `handle(envelope, attempt)` until interrupted: ack on
 * success, nak after `backoff(attempt)` on failure, term for a message that is not an Envelope.
 * Never fails: a broken subscription is logged and set up again after resumeDelay. Interrupting it
 * stops the pulls; unacked messages go to the next consumer with the same name after ackWait.
 */
export const consume = <R>(
  subscriber: Subscriber<R>,
  handle: (envelope: Envelope, attempt: number) => Effect.Effect<void, unknown, R>,
  options: ConsumeOptions
): Effect.Effect<never, never, JetStream | R> =>
  Effect.gen(function*() {
    const js = yield* JetStream
    const name = consumerName(subscriber.name)
    const ackWait = options.ackWait ?? js.options.ackWait
    const concurrency = options.concurrency ?? 1
    const types = new Set(subscriber.types)
    const subjects = subscriber.types.map((type) => subject(js.options.subjectPrefix, type)) // throws (a defect) on a bad type
    const typeOf = (message: JsMsg) => message.subject.slice(js.options.subjectPrefix.length + 1)
    // A reason confuses servers before 2.11: they ignore the term and deliver again.
    const terminate = (message: JsMsg) => (serverAtLeast(js.connection, "2.11.0") ? message.term("not an envelope") : message.term())

    const deliver = (message: JsMsg) =>
      !types.has(typeOf(message)) // only when the server could not filter by several subjects
        ? Effect.sync(() => message.ack())
        : fromJson(message.string()).pipe(
          Effect.matchEffect({
            onFailure: (error) =>
              Effect.sync(() => terminate(message)).pipe(
                Effect.zipRight(Effect.logError(`terminated a message that is not an envelope: ${message.subject} seq ${message.seq}: ${error.message}`))
              ),
            onSuccess: (envelope) =>
              handleKeepingAlive(message, Effect.suspend(() => handle(envelope, message.info.deliveryCount)), ackWait).pipe(
                Effect.flatMap((exit) => settle(message, exit, options.backoff, requestTimeout(js.options))),
                Effect.annotateLogs({ eventId: envelope.id, type: envelope.type, attempt: message.info.deliveryCount })
              )
          })
        )

    const subscription = Effect.scoped(Effect.gen(function*() {
      // Only the JetStream layer closes it, and consumers must stop before: retrying would be in vain.
      if (js.connection.isClosed()) return yield* Effect.dieMessage(`${name} cannot consume: the NATS connection is closed`)
      const consumer = yield* ensureConsumer(js, name, subjects, ackWait)
      const messages = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => consumer.consume({ max_messages: options.batchSize ?? concurrency, expires: ms(options.pullExpires ?? Duration.seconds(30)) }),
          catch: (cause) => new BusUnavailable({ reason: `cannot consume ${name}: ${describe(cause)}` })
        }),
        // Not awaited: the close completes inside the iteration, which has stopped by now.
        (messages) => Effect.sync(() => void messages.close().catch(() => undefined))
      )
      yield* Effect.forkScoped(logNotifications(messages))
      yield* Effect.logInfo(`consuming ${[...types].join(", ")}`)
      yield* pullAll(messages).pipe(Stream.mapEffect(deliver, { concurrency, unordered: true }), Stream.runDrain)
      // The client ends the iteration when the connection closed or the server refused a pull request.
      yield* Effect.logWarning("subscription ended; setting it up again")
    }))

    return yield* subscription.pipe(
      Effect.catchAll((error) => Effect.logWarning(`subscription failed; retrying: ${error.reason}`)),
      Effect.repeat(Schedule.spaced(options.resumeDelay ?? Duration.seconds(1))),
      Effect.zipRight(Effect.never)
    )
  }).pipe(Effect.annotateLogs({ subscriber: subscriber.name }))
