import { SqlClient } from "@effect/sql"
import { Effect, Either, Layer, Option, Schema } from "effect"
import { Envelope } from "../kernel/Envelope.js"
import { LocalSubscriptions, Outbox } from "../kernel/Outbox.js"

/** An outbox row as the SQL client returns it (jsonb parsed, timestamptz as Date). */
export const EnvelopeRow = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  payload: Schema.Unknown,
  occurredAt: Schema.DateFromSelf
})

export const toEnvelope = (row: typeof EnvelopeRow.Type) => new Envelope(row)

const decodeRows = Schema.decodeUnknown(Schema.Array(EnvelopeRow))

export const layer: Layer.Layer<Outbox, never, SqlClient.SqlClient | LocalSubscriptions> = Layer.effect(
  Outbox,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const subscriptions = yield* LocalSubscriptions
    const subscribersOf = (type: string) => subscriptions.filter((s) => s.types.includes(type)).map((s) => s.name)
    const encode = Schema.encodeSync(Envelope)

    return Outbox.of({
      // One statement for the events and one for their deliveries, however many there are.
      append: (envelopes) =>
        Effect.gen(function*() {
          yield* sql`INSERT INTO outbox (id, type, payload, occurred_at)
            SELECT e.id, e.type, e.payload, e."occurredAt"
            FROM json_to_recordset(${JSON.stringify(envelopes.map((envelope) => encode(envelope)))}::json)
              AS e (id uuid, type text, payload jsonb, "occurredAt" timestamptz)`
          const deliveries = envelopes.flatMap((envelope) =>
            subscribersOf(envelope.type).map((subscriber) => ({ subscriber, eventId: envelope.id, at: envelope.occurredAt }))
          )
          if (deliveries.length === 0) return
          yield* sql`INSERT INTO event_deliveries (subscriber, event_id, next_attempt_at)
            SELECT d.subscriber, d."eventId", d.at
            FROM json_to_recordset(${JSON.stringify(deliveries)}::json) AS d (subscriber text, "eventId" uuid, at timestamptz)`
        }).pipe(Effect.orDie),
      publishPending: (limit, publish) =>
        Effect.gen(function*() {
          const outcome = yield* sql.withTransaction(Effect.gen(function*() {
            const rows = yield* sql`SELECT id, type, payload, occurred_at FROM outbox
              WHERE published_at IS NULL ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED`.pipe(Effect.flatMap(decodeRows))
            const published: Array<string> = []
            let failure = Option.none<unknown>()
            for (const row of rows) {
              const result = yield* Effect.either(publish(toEnvelope(row)))
              if (Either.isLeft(result)) {
                failure = Option.some(result.left)
                break
              }
              published.push(row.id)
            }
            if (published.length > 0) {
              yield* sql`UPDATE outbox SET published_at = now()
                WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(published)}::json)::uuid)`
            }
            return { published: published.length, failure }
          })).pipe(Effect.orDie)
          // The marks of what did get published are committed before the failure is reported.
          if (Option.isSome(outcome.failure)) return yield* Effect.fail(outcome.failure.value as never)
          return outcome.published
        }),
      pendingCount: sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL`.pipe(
        Effect.map((rows) => rows[0]?.count ?? 0),
        Effect.orDie
      ),
      oldestPendingAt: sql<{ readonly oldest: Date | null }>`SELECT min(occurred_at) AS oldest FROM outbox WHERE published_at IS NULL`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]?.oldest)),
        Effect.orDie
      )
    })
  })
)
