/**
 * NATS JetStream as the external bus: the connection, the one file-backed stream that holds every
 * event under `<subjectPrefix>.<type>`, and the publisher the relay uses (ExternalBus). Workers read
 * the stream through JetStreamConsumer.ts.
 */
import { jetstream, JetStreamApiCodes, JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { compare, connect, nanos, parseSemVer, type NatsConnection } from "@nats-io/transport-node"
import { Context, Duration, Effect, Layer, Option, Stream } from "effect"
import { toJson } from "../kernel/Envelope.js"
import { BusUnavailable, ExternalBus } from "../kernel/ExternalBus.js"

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

/** Shared with JetStreamConsumer.ts. */
export const ms = (duration: Duration.Duration) => Duration.toMillis(duration)
/** Shared with JetStreamConsumer.ts. */
export const requestTimeout = (options: JetStreamOptions) => ms(options.requestTimeout ?? defaults.requestTimeout)
/** Shared with JetStreamConsumer.ts. */
export const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))
/** Shared with JetStreamConsumer.ts. */
export const isApiError = (error: unknown, code: number) => error instanceof JetStreamApiError && error.code === code
/** Shared with JetStreamConsumer.ts. */
export const serverAtLeast = (connection: NatsConnection, version: string) =>
  connection.info !== undefined && compare(parseSemVer(connection.info.version), parseSemVer(version)) >= 0

/** The URL as it may appear in logs and errors: credentials (user:password@, token@) removed. */
export const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/g, "//")

// A space, `*` or `>` in a type would make an invalid subject or a wildcard: a programming error.
const validTokens = /^[^\s*>.]+(\.[^\s*>.]+)*$/
/** Shared with JetStreamConsumer.ts. */
export const subject = (prefix: string, type: string) => {
  if (!validTokens.test(prefix) || !(validTokens.test(type) || type === ">")) throw new Error(`"${prefix}.${type}" is not a NATS subject`)
  return `${prefix}.${type}`
}

/**
 * The items of a nats.js iterator (messages, statuses), pulled one at a time. Not
 * Stream.fromAsyncIterable: its finalizer awaits iterator.return(), which on an async generator waits
 * for the pending next(), i.e. for a message that may never come. The owner stops the iterator instead.
 */
/** Shared with JetStreamConsumer.ts. */
export const pullAll = <A>(iterable: AsyncIterable<A>) => {
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
