import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { PageQuery, Window } from "../kernel/Connection.js"
import type { Envelope } from "../kernel/Envelope.js"
import * as Keyset from "./Keyset.js"
import { EnvelopeRow, toEnvelope } from "./OutboxPg.js"

export type DeliveryState = "pending" | "parked"

/** One subscriber's delivery of one event, as an operator lists it. */
export interface BacklogDelivery {
  readonly subscriber: string
  readonly envelope: Envelope
  /** The event's place in the outbox: the list's order. */
  readonly seq: number
  readonly attempts: number
  readonly nextAttemptAt: Date
  readonly lastError: Option.Option<string>
  readonly parkedAt: Option.Option<Date>
}

/** Deliveries are listed in outbox order, then by subscriber. */
export interface DeliveryKey {
  readonly seq: number
  readonly subscriber: string
}

/**
 * The operator's list of subscribers' deliveries (`kingdom outbox list`), page by page; the counts
 * are Deliveries.backlog's, and Deliveries.replay acts on them. Not a port: operators' tools run
 * against a database (PostgreSQL or PGlite), so there is one implementation, below.
 */
export class EventBacklog extends Context.Tag("database/EventBacklog")<EventBacklog, {
  /** A keyset page of deliveries in `state` (none: both), in DeliveryKey order. */
  readonly deliveries: (state: Option.Option<DeliveryState>, request: PageQuery<DeliveryKey>) => Effect.Effect<Window<BacklogDelivery>>
}>() {}

const BacklogRow = Schema.Struct({
  ...EnvelopeRow.fields,
  seq: Schema.NumberFromString,
  subscriber: Schema.String,
  attempts: Schema.Number,
  nextAttemptAt: Schema.DateFromSelf,
  lastError: Schema.NullOr(Schema.String),
  parkedAt: Schema.NullOr(Schema.DateFromSelf)
})

const decodeRows = Schema.decodeUnknown(Schema.Array(BacklogRow))

export const layer: Layer.Layer<EventBacklog, never, SqlClient.SqlClient> = Layer.effect(
  EventBacklog,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // seq is a bigint: read as text (the drivers differ on bigint), decoded to a number.
    const select = (where: Fragment, tail: Fragment) =>
      sql`SELECT o.seq::text AS seq, o.id, o.type, o.payload, o.occurred_at,
          d.subscriber, d.attempts, d.next_attempt_at, d.last_error, d.parked_at
        FROM event_deliveries d JOIN outbox o ON o.id = d.event_id WHERE ${where} ${tail}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) =>
          rows.map((row) => ({
            subscriber: row.subscriber,
            envelope: toEnvelope(row),
            seq: row.seq,
            attempts: row.attempts,
            nextAttemptAt: row.nextAttemptAt,
            lastError: Option.fromNullable(row.lastError),
            parkedAt: Option.fromNullable(row.parkedAt)
          }))
        )
      )
    const list = Keyset.make(sql, {
      from: "event_deliveries d JOIN outbox o ON o.id = d.event_id",
      sortKey: { columns: ["o.seq", `d.subscriber COLLATE "C"`], values: (key: DeliveryKey) => [key.seq, key.subscriber] },
      where: (state: Option.Option<DeliveryState>) =>
        Option.match(state, {
          onNone: () => sql`true`,
          onSome: (state) => state === "parked" ? sql`d.parked_at IS NOT NULL` : sql`d.parked_at IS NULL`
        })
    }, select)

    return EventBacklog.of({
      deliveries: (state, request) => Effect.orDie(list.page(request, state))
    })
  })
)
