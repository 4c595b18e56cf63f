import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import { Deliveries } from "../kernel/Deliveries.js"
import { EnvelopeRow, toEnvelope } from "./OutboxPg.js"

const DeliveryRow = Schema.Struct({ ...EnvelopeRow.fields, subscriber: Schema.String, attempts: Schema.Number })
const ParkedRow = Schema.Struct({ ...DeliveryRow.fields, lastError: Schema.String, parkedAt: Schema.DateFromSelf })
const decodeDeliveries = Schema.decodeUnknown(Schema.Array(DeliveryRow))
const decodeParked = Schema.decodeUnknown(Schema.Array(ParkedRow))

const toDelivery = (row: typeof DeliveryRow.Type) => ({ subscriber: row.subscriber, attempts: row.attempts, envelope: toEnvelope(row) })

export const layer: Layer.Layer<Deliveries, never, SqlClient.SqlClient> = Layer.effect(
  Deliveries,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Deliveries.of({
      // SKIP LOCKED: processes claiming at once split the due deliveries instead of waiting on each other.
      claim: (subscribers, limit, now, leaseUntil) =>
        sql`UPDATE event_deliveries d SET attempts = d.attempts + 1, next_attempt_at = ${leaseUntil}
          FROM outbox o
          WHERE o.id = d.event_id AND (d.subscriber, d.event_id) IN (
            SELECT subscriber, event_id FROM event_deliveries
            WHERE parked_at IS NULL AND next_attempt_at <= ${now}
              AND subscriber IN (SELECT json_array_elements_text(${JSON.stringify(subscribers)}::json))
            ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          RETURNING d.subscriber, d.attempts, o.id, o.type, o.payload, o.occurred_at`.pipe(
          Effect.flatMap(decodeDeliveries),
          Effect.map((rows) => rows.map(toDelivery)),
          Effect.orDie
        ),
      complete: (delivery) =>
        sql`DELETE FROM event_deliveries WHERE subscriber = ${delivery.subscriber} AND event_id = ${delivery.envelope.id}`.pipe(
          Effect.asVoid,
          Effect.orDie
        ),
      retryAt: (delivery, error, at) =>
        sql`UPDATE event_deliveries SET next_attempt_at = ${at}, last_error = ${error}
          WHERE subscriber = ${delivery.subscriber} AND event_id = ${delivery.envelope.id}`.pipe(Effect.asVoid, Effect.orDie),
      park: (delivery, error, at) =>
        sql`INSERT INTO event_deliveries (subscriber, event_id, attempts, next_attempt_at, last_error, parked_at)
          VALUES (${delivery.subscriber}, ${delivery.envelope.id}, ${delivery.attempts}, ${at}, ${error}, ${at})
          ON CONFLICT (subscriber, event_id) DO UPDATE
          SET attempts = excluded.attempts, last_error = excluded.last_error, parked_at = excluded.parked_at`.pipe(Effect.asVoid, Effect.orDie),
      parked: sql`SELECT d.subscriber, d.attempts, d.last_error, d.parked_at, o.id, o.type, o.payload, o.occurred_at
        FROM event_deliveries d JOIN outbox o ON o.id = d.event_id
        WHERE d.parked_at IS NOT NULL ORDER BY d.parked_at, o.seq`.pipe(
        Effect.flatMap(decodeParked),
        Effect.map((rows) => rows.map((row) => ({ ...toDelivery(row), lastError: row.lastError, parkedAt: row.parkedAt }))),
        Effect.orDie
      ),
      replay: (subscriber, eventId, now) =>
        sql`UPDATE event_deliveries SET parked_at = NULL, attempts = 0, next_attempt_at = ${now}
          WHERE subscriber = ${subscriber} AND event_id = ${eventId} AND parked_at IS NOT NULL RETURNING event_id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        ),
      pendingCount: sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM event_deliveries`.pipe(
        Effect.map((rows) => rows[0]?.count ?? 0),
        Effect.orDie
      ),
      backlog: sql<{ readonly waiting: number; readonly parked: number; readonly oldestAt: Date | null }>`
        SELECT count(*) FILTER (WHERE d.parked_at IS NULL)::int AS waiting, count(d.parked_at)::int AS parked,
          min(o.occurred_at) FILTER (WHERE d.parked_at IS NULL) AS oldest_at
        FROM event_deliveries d JOIN outbox o ON o.id = d.event_id`.pipe(
        Effect.map((rows) => ({ waiting: rows[0]?.waiting ?? 0, parked: rows[0]?.parked ?? 0, oldestAt: Option.fromNullable(rows[0]?.oldestAt) })),
        Effect.orDie
      )
    }))
)
