import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import * as Grant from "../../../access/Grant.js"
import * as TextMemo from "../../../kernel/TextMemo.js"
import { Callers } from "../../ports/Callers.js"
import { grantsOf as grantsSql, RoleRow, SessionRow, UserRow } from "./Rows.js"

/**
 * One row: the session's columns, its user's and, when they have one, their role's. The user's grants
 * and the role (with its grants) come as JSON text, decoded once per distinct text (TextMemo.ts): the
 * same caller's next request reuses the decoded grants, and everything memoised on them (effective
 * grants, the compiled policy), while the statement still reads them as stored now.
 */
const CallerRow = Schema.Struct({
  session: Schema.Struct({
    ...SessionRow.fields,
    createdAt: Schema.Date,
    expiresAt: Schema.Date,
    revokedAt: Schema.NullOr(Schema.Date)
  }),
  ...UserRow.fields,
  permissions: Schema.String,
  role: Schema.NullOr(Schema.String)
})

const RoleJson = Schema.parseJson(Schema.Struct({ ...RoleRow.fields, createdAt: Schema.Date }))
const GrantsJson = Schema.parseJson(UserRow.fields.permissions)

/**
 * Distinct grant lists and roles kept decoded: far more than a deployment has roles, and room for
 * every user active at once to have grants of their own; past it the least recent is decoded again.
 */
const memoCapacity = 10_000

/**
 * The session, its user and their role in ONE statement: every authenticated request makes this read,
 * so it is the floor of what a request costs. The session comes back as a JSON object (its dates as
 * ISO text) beside the user's columns.
 */
export const layer: Layer.Layer<Callers, never, SqlClient.SqlClient> = Layer.effect(
  Callers,
  Effect.map(SqlClient.SqlClient, (sql) => {
    const decode = Schema.decodeUnknown(Schema.Array(CallerRow))
    const grantsOf = TextMemo.make(memoCapacity, (text) => Grant.normalize(Schema.decodeUnknownSync(GrantsJson)(text)))
    const roleOf = TextMemo.make(memoCapacity, (text) => {
      const role = Schema.decodeUnknownSync(RoleJson)(text)
      return { ...role, permissions: Grant.normalize(role.permissions) }
    })
    return Callers.of({
      bySession: (id) =>
        sql`SELECT json_build_object('id', s.id, 'userId', s.user_id, 'createdAt', s.created_at, 'expiresAt', s.expires_at,
            'revokedAt', s.revoked_at, 'revokedReason', s.revoked_reason) AS session,
          u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at, u.password_changed_at, u.version,
          ${sql.literal(grantsSql("user_permissions", "user_id", "u.id"))}::text AS permissions,
          CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'code', r.code, 'name', r.name,
            'createdAt', r.created_at, 'version', r.version,
            'permissions', ${sql.literal(grantsSql("role_permissions", "role_id", "r.id"))})::text END AS role
          FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN roles r ON r.id = u.role_id
          WHERE s.id = ${id}`.pipe(
          Effect.flatMap(decode),
          Effect.flatMap((rows) => Effect.try(() =>
            Option.map(Option.fromNullable(rows[0]), ({ permissions, role, session, ...user }) => ({
              session,
              user: { ...user, permissions: grantsOf(permissions) },
              role: Option.map(Option.fromNullable(role), roleOf)
            }))
          )),
          Effect.orDie
        )
    })
  })
)
