import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { Inbox } from "../kernel/Inbox.js"

/**
 * The inbox row is written first, in the same transaction as the handler's own writes: a concurrent
 * duplicate waits on the key and then finds it taken; a failed handler rolls the row back with its writes.
 */
export const layer: Layer.Layer<Inbox, never, SqlClient.SqlClient> = Layer.effect(
  Inbox,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Inbox.of({
      once: (subscriber, eventId, effect) =>
        Effect.gen(function*() {
          const recorded = yield* sql`INSERT INTO event_inbox (subscriber, event_id, handled_at) VALUES (${subscriber}, ${eventId}, now())
            ON CONFLICT DO NOTHING RETURNING event_id`.pipe(Effect.orDie)
          if (recorded.length === 0) return false
          yield* effect
          return true
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
    }))
)
