import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { ResetTokenRepository } from "../../ports/ResetTokenRepository.js"

const ResetTokenRow = Schema.Struct({
  tokenHash: Schema.String,
  userId: Schema.String.pipe(Schema.brand("UserId")),
  issuedAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  usedAt: Schema.NullOr(Schema.DateFromSelf)
})

export const layer: Layer.Layer<ResetTokenRepository, never, SqlClient.SqlClient> = Layer.effect(
  ResetTokenRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const byHash = SqlSchema.findOne({
      Request: Schema.String,
      Result: ResetTokenRow,
      execute: (hash) =>
        sql`SELECT token_hash, user_id, issued_at, expires_at, used_at FROM password_reset_tokens WHERE token_hash = ${hash}`
    })
    return ResetTokenRepository.of({
      add: (token) => sql`INSERT INTO password_reset_tokens ${sql.insert({ ...token })}`.pipe(Effect.asVoid, Effect.orDie),
      byHash: (hash) => byHash(hash).pipe(Effect.orDie),
      // The `used_at IS NULL` guard makes concurrent redemptions of one token end with one winner.
      markUsed: (token) =>
        sql`UPDATE password_reset_tokens SET used_at = ${token.usedAt}
          WHERE token_hash = ${token.tokenHash} AND used_at IS NULL RETURNING token_hash`.pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.orDie
        )
    })
  })
)
