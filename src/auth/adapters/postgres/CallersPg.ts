import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import * as Grant from "../../../access/Grant.js"
import { Callers } from "../../ports/Callers.js"
import { grantsOf, RoleRow, SessionRow, UserRow } from "./Rows.js"

/** One row: the session's columns, its user's (with their grants) and, when they have one, their role's. */
const CallerRow = Schema.Struct({
  session: Schema.Struct({
    ...SessionRow.fields,
    createdAt: Schema.Date,
    expiresAt: Schema.Date,
    revokedAt: Schema.NullOr(Schema.Date)
  }),
  ...UserRow.fields,
  role: Schema.NullOr(Schema.Struct({ ...RoleRow.fields, createdAt: Schema.Date }))
})

/**
 * The session, its user and their role in ONE statement: every authenticated request makes this read,
 * so it is the floor of what a request costs. The session and role come back as JSON objects (their
 * dates as ISO text) beside the user's columns.
 */
export const layer: Layer.Layer<Callers, never, SqlClient.SqlClient> = Layer.effect(
  Callers,
  Effect.map(SqlClient.SqlClient, (sql) => {
    const decode = Schema.decodeUnknown(Schema.Array(CallerRow))
    return Callers.of({
      bySession: (id) =>
        sql`SELECT json_build_object('id', s.id, 'userId', s.user_id, 'createdAt', s.created_at, 'expiresAt', s.expires_at,
            'revokedAt', s.revoked_at, 'revokedReason', s.revoked_reason) AS session,
          u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at, u.password_changed_at, u.version,
          ${sql.literal(grantsOf("user_permissions", "user_id", "u.id"))} AS permissions,
          CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'code', r.code, 'name', r.name,
            'createdAt', r.created_at, 'version', r.version,
            'permissions', ${sql.literal(grantsOf("role_permissions", "role_id", "r.id"))}) END AS role
          FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN roles r ON r.id = u.role_id
          WHERE s.id = ${id}`.pipe(
          Effect.flatMap(decode),
          Effect.map((rows) =>
            Option.map(Option.fromNullable(rows[0]), ({ role, session, ...user }) => ({
              session,
              user: { ...user, permissions: Grant.normalize(user.permissions) },
              role: Option.map(Option.fromNullable(role), (found) => ({ ...found, permissions: Grant.normalize(found.permissions) }))
            }))
          ),
          Effect.orDie
        )
    })
  })
)
