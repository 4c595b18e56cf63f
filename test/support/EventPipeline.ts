/**
 * The event pipeline end to end, for fault tests: a fresh migrated database with the outbox, inbox and
 * deliveries adapters, a private nats-server with the JetStream publisher, and a tiny module whose
 * command `Emit` raises `Emitted` and whose subscriber writes a `fault_effects` row per handling. That
 * table has no unique key, so an event handled twice in effect shows as two rows.
 */
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Schedule, Schema } from "effect"
import * as DeliveriesPg from "../../src/database/DeliveriesPg.js"
import * as InboxPg from "../../src/database/InboxPg.js"
import * as OutboxPg from "../../src/database/OutboxPg.js"
import * as SqlUnitOfWork from "../../src/database/SqlUnitOfWork.js"
import * as CommitSignal from "../../src/kernel/CommitSignal.js"
import type { Envelope } from "../../src/kernel/Envelope.js"
import * as MessageBus from "../../src/kernel/MessageBus.js"
import { LocalSubscriptions } from "../../src/kernel/Outbox.js"
import type { Subscriber } from "../../src/kernel/Subscriber.js"
import * as JetStream from "../../src/worker/JetStream.js"
import * as JetStreamConsumer from "../../src/worker/JetStreamConsumer.js"
import * as NatsServer from "./NatsServer.js"
import type { TestDatabase } from "./TestDatabases.js"

export class Emitted extends Schema.TaggedClass<Emitted>()("Emitted", { n: Schema.Number }) {}

/** Commits one `Emitted` event carrying `n` through the real message bus (outbox in the unit of work). */
export const emit = MessageBus.make(
  { Emit: (command: { readonly _tag: "Emit"; readonly n: number }) => Effect.succeed(MessageBus.handled(undefined, [new Emitted({ n: command.n })])) },
  Schema.encodeSync(Emitted)
)

export const subscriberName = "fault-recorder"

const decodeEmitted = Schema.decodeUnknown(Emitted)

/**
 * Records the handling, then runs `after` still inside the handler (and so inside the inbox's
 * transaction): a test blocks there to kill a worker after the handler wrote but before it committed.
 */
export const recorder = (after: (event: Emitted) => Effect.Effect<void> = () => Effect.void): Subscriber<SqlClient.SqlClient> => ({
  name: subscriberName,
  types: ["Emitted"],
  handle: (envelope: Envelope) =>
    Effect.gen(function*() {
      const event = yield* decodeEmitted(envelope.payload)
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO fault_effects (event_id, n) VALUES (${envelope.id}, ${event.n})`
      yield* after(event)
    })
})

/** Short timeouts, so a broker outage and a redelivery each take about a second. */
const settings = (url: string): JetStream.JetStreamOptions => ({
  url,
  stream: "FAULT_EVENTS",
  subjectPrefix: "fault.events",
  duplicateWindow: Duration.minutes(2),
  ackWait: Duration.seconds(1),
  publishTimeout: Duration.seconds(1),
  connectTimeout: Duration.seconds(2),
  reconnectWait: Duration.millis(200),
  requestTimeout: Duration.seconds(2)
})

const effectsTable = Layer.effectDiscard(Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql`CREATE TABLE IF NOT EXISTS fault_effects (event_id uuid NOT NULL, n int NOT NULL)`
))

/**
 * Everything a relay, a worker and the commands need. The worker reads events only from JetStream,
 * so there are no local subscriptions (and no delivery rows unless the worker parks an event).
 */
export const layer = (database: () => TestDatabase) => {
  const sql = Layer.mergeAll(OutboxPg.layer, DeliveriesPg.layer, InboxPg.layer, SqlUnitOfWork.layer, effectsTable).pipe(
    Layer.provide(Layer.succeed(LocalSubscriptions, [])),
    Layer.provideMerge(database())
  )
  const bus = JetStream.publisher.pipe(
    Layer.provideMerge(Layer.unwrapEffect(Effect.map(NatsServer.TestNats, ({ url }) => JetStream.layer(settings(url))))),
    Layer.provideMerge(NatsServer.layer)
  )
  return Layer.mergeAll(sql, bus, CommitSignal.layer)
}

export type Services = Layer.Layer.Success<ReturnType<typeof layer>>

export interface Summary {
  /** Events in the outbox, i.e. committed. */
  readonly events: number
  readonly unpublished: number
  /** Rows the subscriber wrote (one per handling that committed). */
  readonly effects: number
  /** Committed events without any row. */
  readonly unhandled: number
  /** Committed events with more than one row. */
  readonly repeated: number
  /** Distinct `n` among the rows: equals `events` when no command's event went missing. */
  readonly numbers: number
}

export const summary = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<Summary>`SELECT
      (SELECT count(*)::int FROM outbox) AS events,
      (SELECT count(*)::int FROM outbox WHERE published_at IS NULL) AS unpublished,
      (SELECT count(*)::int FROM fault_effects) AS effects,
      (SELECT count(*)::int FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM fault_effects f WHERE f.event_id = o.id)) AS unhandled,
      (SELECT count(*)::int FROM (SELECT event_id FROM fault_effects GROUP BY event_id HAVING count(*) > 1) r) AS repeated,
      (SELECT count(DISTINCT n)::int FROM fault_effects) AS numbers`).pipe(
  Effect.map((rows) => rows[0]!),
  Effect.orDie
)

/** What the pipeline must come to after `count` commands, whatever failed on the way. */
export const settled = (count: number): Summary => ({ events: count, unpublished: 0, effects: count, unhandled: 0, repeated: 0, numbers: count })

/** Retries `check` every 100 ms for up to `within`, then fails with its last error. */
export const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, within: Duration.DurationInput = Duration.seconds(15)) =>
  check.pipe(Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(within))))

/** The committed events, oldest first, as the relay publishes them. */
export const outboxEnvelopes = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`SELECT id, type, payload, occurred_at FROM outbox ORDER BY seq`).pipe(
  Effect.flatMap(Schema.decodeUnknown(Schema.Array(OutboxPg.EnvelopeRow))),
  Effect.map((rows) => rows.map(OutboxPg.toEnvelope)),
  Effect.orDie
)

export const streamMessages = Effect.flatMap(JetStream.JetStream, ({ manager, options }) =>
  Effect.map(Effect.promise(() => manager.streams.info(options.stream)), (info) => info.state.messages))

export const consumerInfo = Effect.flatMap(JetStream.JetStream, ({ manager, options }) =>
  Effect.promise(() => manager.consumers.info(options.stream, JetStreamConsumer.consumerName(subscriberName))))
