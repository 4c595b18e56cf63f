/**
 * NATS JetStream as the external bus: one file-backed stream holds every event under
 * `<subjectPrefix>.<type>`; the relay publishes into it (ExternalBus) and each worker subscriber
 * reads it through its own durable pull consumer (`consume`). Delivery is at least once: a message is
 * acked only after its handler succeeded, so a crash, an interruption or a broker restart leaves it to
 * be delivered again, and the inbox on the handler side makes that harmless.
 */
import { AckPolicy, DeliverPolicy, jetstream, JetStreamApiCodes, JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import type { ConsumerConfig, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream"
import { compare, connect, nanos, parseSemVer, type NatsConnection } from "@nats-io/transport-node"
import { Cause, Context, Duration, Effect, Exit, Layer, Option, Schedule, Stream } from "effect"
import { createHash } from "node:crypto"
import { type Envelope, fromJson, toJson } from "../kernel/Envelope.js"
import { BusUnavailable, ExternalBus } from "../kernel/ExternalBus.js"
import type { Subscriber } from "../kernel/Subscriber.js"

export interface JetStreamOptions {
  /** nats://host:port, or several separated by commas (a cluster). */
  readonly url: string
  /** The stream's name, e.g. KINGDOM_EVENTS. */
  readonly stream: string
  /** e.g. "kingdom.events": an event of type T travels on `kingdom.events.T`. */
  readonly subjectPrefix: string
  /** How long the broker remembers a message id, i.e. how late a republished event is still dropped. */
  readonly duplicateWindow: Duration.Duration
  /** The time a consumer waits for an ack before delivering again, unless ConsumeOptions.ackWait says otherwise. */
  readonly ackWait: Duration.Duration
  /** How long `publish` waits for the broker's acknowledgement before answering BusUnavailable. */
  readonly publishTimeout: Duration.Duration
  /** How long the first connection attempt may take. */
  readonly connectTimeout?: Duration.Duration
  /** Pause between reconnection attempts, which never stop. */
  readonly reconnectWait?: Duration.Duration
  /** Timeout of JetStream API calls: stream and consumer set-up, ack confirmations, the final drain. */
  readonly requestTimeout?: Duration.Duration
  /** How long the stream keeps an event (zero: until removed by hand); must exceed duplicateWindow. */
  readonly maxAge?: Duration.Duration
}

/** The values of the optional JetStreamOptions when left out. */
export const defaults = {
  connectTimeout: Duration.seconds(5),
  reconnectWait: Duration.seconds(2),
  requestTimeout: Duration.seconds(5),
  maxAge: Duration.days(7)
} as const

/** The open connection, shared by the publisher and every consumer of a process. */
export class JetStream extends Context.Tag("worker/JetStream")<JetStream, {
  readonly connection: NatsConnection
  readonly client: JetStreamClient
  readonly manager: JetStreamManager
  readonly options: JetStreamOptions
}>() {}

const ms = (duration: Duration.Duration) => Duration.toMillis(duration)
const requestTimeout = (options: JetStreamOptions) => ms(options.requestTimeout ?? defaults.requestTimeout)
const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))
const isApiError = (error: unknown, code: number) => error instanceof JetStreamApiError && error.code === code
const serverAtLeast = (connection: NatsConnection, version: string) =>
  connection.info !== undefined && compare(parseSemVer(connection.info.version), parseSemVer(version)) >= 0

/** The URL as it may appear in logs and errors: credentials (user:password@, token@) removed. */
export const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/g, "//")

// A space, `*` or `>` in a type would make an invalid subject or a wildcard: a programming error.
const validTokens = /^[^\s*>.]+(\.[^\s*>.]+)*$/
const subject = (prefix: string, type: string) => {
  if (!validTokens.test(prefix) || !(validTokens.test(type) || type === ">")) throw new Error(`"${prefix}.${type}" is not a NATS subject`)
  return `${prefix}.${type}`
}

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

/**
 * The items of a nats.js iterator (messages, statuses), pulled one at a time. Not
 * Stream.fromAsyncIterable: its finalizer awaits iterator.return(), which on an async generator waits
 * for the pending next(), i.e. for a message that may never come. The owner stops the iterator instead.
 */
const pullAll = <A>(iterable: AsyncIterable<A>) => {
  const iterator = iterable[Symbol.asyncIterator]()
  return Stream.repeatEffectOption(
    Effect.tryPromise({ try: () => iterator.next(), catch: (cause) => Option.some(new BusUnavailable({ reason: describe(cause) })) }).pipe(
      Effect.flatMap((next) => (next.done === true ? Effect.fail(Option.none()) : Effect.succeed(next.value)))
    )
  )
}

const ensureStream = (manager: JetStreamManager, options: JetStreamOptions) =>
  Effect.tryPromise({
    try: async () => {
      const wanted = {
        subjects: [subject(options.subjectPrefix, ">")],
        duplicate_window: nanos(ms(options.duplicateWindow)),
        max_age: nanos(ms(options.maxAge ?? defaults.maxAge))
      }
      const existing = await manager.streams.info(options.stream).catch((error: unknown) => {
        if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined
        throw error
      })
      if (existing === undefined) {
        await manager.streams.add({ name: options.stream, storage: StorageType.File, retention: RetentionPolicy.Limits, ...wanted })
      } else if (
        existing.config.subjects.join() !== wanted.subjects.join() || existing.config.duplicate_window !== wanted.duplicate_window ||
        existing.config.max_age !== wanted.max_age
      ) {
        // Storage and retention cannot change after creation; the rest follows the configuration.
        await manager.streams.update(options.stream, wanted)
      }
    },
    catch: (cause) => new BusUnavailable({ reason: `cannot set up stream ${options.stream}: ${describe(cause)}` })
  })

const open = (options: JetStreamOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () =>
        connect({
          servers: options.url.split(",").map((server) => server.trim()),
          timeout: ms(options.connectTimeout ?? defaults.connectTimeout),
          // Once connected, never give up: a broker restart must not end the process.
          maxReconnectAttempts: -1,
          reconnectTimeWait: ms(options.reconnectWait ?? defaults.reconnectWait)
        }),
      catch: (cause) => new BusUnavailable({ reason: `cannot connect to NATS at ${redactUrl(options.url)}: ${describe(cause)}` })
    }),
    (connection) =>
      Effect.tryPromise(() => connection.drain()).pipe(
        Effect.timeout(requestTimeout(options)),
        Effect.orElse(() => Effect.promise(() => connection.close())),
        Effect.ignore
      )
  )

/** Reports connection losses and recoveries; the client reconnects by itself. */
const logStatus = (connection: NatsConnection) =>
  pullAll(connection.status()).pipe(
    Stream.runForEach((status) =>
      status.type === "disconnect"
        ? Effect.logWarning(`disconnected from NATS at ${redactUrl(status.server)}; reconnecting`)
        : status.type === "reconnect"
        ? Effect.logInfo(`reconnected to NATS at ${redactUrl(status.server)}`)
        : status.type === "error"
        ? Effect.logWarning(`NATS reported an error: ${status.error.message}`)
        : Effect.void
    ),
    Effect.ignore
  )

/** Connects, ensures the stream exists with this configuration, and drains the connection when the scope closes. */
export const layer = (options: JetStreamOptions): Layer.Layer<JetStream, BusUnavailable> =>
  Layer.scoped(JetStream, Effect.gen(function*() {
    const connection = yield* open(options)
    const timeout = requestTimeout(options)
    const manager = yield* Effect.tryPromise({
      try: () => jetstreamManager(connection, { timeout }),
      catch: (cause) => new BusUnavailable({ reason: `no JetStream at ${redactUrl(options.url)}: ${describe(cause)}` })
    })
    yield* ensureStream(manager, options)
    yield* Effect.forkScoped(logStatus(connection))
    yield* Effect.logInfo(`connected to NATS at ${redactUrl(options.url)}, stream ${options.stream}`)
    return { connection, client: jetstream(connection, { timeout }), manager, options }
  }))

/** The ExternalBus on JetStream. A duplicate (an id published before, within duplicateWindow) is a success. */
export const publisher: Layer.Layer<ExternalBus, never, JetStream> = Layer.effect(
  ExternalBus,
  Effect.map(JetStream, ({ client, options }) =>
    ExternalBus.of({
      publish: (envelope) => {
        const unavailable = (why: string) => new BusUnavailable({ reason: `publishing ${envelope.type} ${envelope.id}: ${why}` })
        // A publish that timed out while disconnected may still reach the stream after the reconnect;
        // the relay's retry then carries the same msgID and is dropped as a duplicate.
        return Effect.try(() => subject(options.subjectPrefix, envelope.type)).pipe(
          Effect.orDie,
          Effect.flatMap((to) =>
            Effect.tryPromise({
              try: () => client.publish(to, toJson(envelope), { msgID: envelope.id, timeout: ms(options.publishTimeout) }),
              catch: (cause) => unavailable(describe(cause))
            })
          ),
          Effect.timeoutFail({ duration: options.publishTimeout, onTimeout: () => unavailable("no acknowledgement in time") }),
          Effect.asVoid
        )
      }
    })
  )
)

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
