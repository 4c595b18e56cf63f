import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { SessionId } from "../../domain/Ids.js"
import { SessionRepository } from "../../ports/SessionRepository.js"
import { SessionRow } from "./Rows.js"

const RefreshTokenRow = Schema.Struct({
  tokenHash: Schema.String,
  sessionId: Schema.String.pipe(Schema.fromBrand(SessionId)),
  issuedAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  usedAt: Schema.NullOr(Schema.DateFromSelf)
})

export const layer: Layer.Layer<SessionRepository, never, SqlClient.SqlClient> = Layer.effect(
  SessionRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const byId = SqlSchema.findOne({
      Request: Schema.String,
      Result: SessionRow,
      execute: (id) => sql`SELECT id, user_id, created_at, expires_at, revoked_at, revoked_reason FROM sessions WHERE id = ${id}`
    })
    const tokenByHash = SqlSchema.findOne({
      Request: Schema.String,
      Result: RefreshTokenRow,
      execute: (hash) => sql`SELECT token_hash, session_id, issued_at, expires_at, used_at FROM refresh_tokens WHERE token_hash = ${hash}`
    })
    return SessionRepository.of({
      start: (session, token) =>
        sql`INSERT INTO sessions ${sql.insert({ ...session })}`.pipe(
          Effect.zipRight(sql`INSERT INTO refresh_tokens ${sql.insert({ ...token })}`),
          sql.withTransaction,
          Effect.asVoid,
          Effect.orDie
        ),
      byId: (id) => byId(id).pipe(Effect.orDie),
      tokenByHash: (hash) => tokenByHash(hash).pipe(Effect.orDie),
      // The `used_at IS NULL` guard is the race's referee: a second UPDATE waits for the first one's
      // row lock, then finds the token spent and changes nothing.
      rotate: ({ next, session, spent }) =>
        sql`UPDATE refresh_tokens SET used_at = ${spent.usedAt}
          WHERE token_hash = ${spent.tokenHash} AND used_at IS NULL RETURNING token_hash`.pipe(
          Effect.flatMap((rows) =>
            rows.length === 0 ? Effect.succeed(false) : Effect.as(
              Effect.all([
                sql`INSERT INTO refresh_tokens ${sql.insert({ ...next })}`,
                sql`UPDATE sessions SET expires_at = ${session.expiresAt} WHERE id = ${session.id}`,
                sql`DELETE FROM refresh_tokens WHERE session_id = ${session.id} AND expires_at <= ${next.issuedAt}`
              ], { discard: true }),
              true
            )),
          sql.withTransaction,
          Effect.orDie
        ),
      revoke: (id, at, reason) =>
        sql`UPDATE sessions SET revoked_at = ${at}, revoked_reason = ${reason} WHERE id = ${id} AND revoked_at IS NULL`.pipe(Effect.asVoid, Effect.orDie),
      revokeAllOf: (userId, at, reason) =>
        sql`UPDATE sessions SET revoked_at = ${at}, revoked_reason = ${reason} WHERE user_id = ${userId} AND revoked_at IS NULL`.pipe(
          Effect.asVoid,
          Effect.orDie
        ),
      removeExpired: (userId, now) =>
        sql`DELETE FROM sessions WHERE user_id = ${userId} AND expires_at <= ${now}`.pipe(Effect.asVoid, Effect.orDie)
    })
  })
)
