import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import * as Grant from "../../../access/Grant.js"
import { Administrators } from "../../ports/Administrators.js"
import { grantsOf, UserRow } from "./Rows.js"

const AdministratorRow = UserRow.pick("id", "roleId", "permissions")

/**
 * Domain/Administrators.isAdministrator in SQL, the catalogue being the permissions table: users
 * whose grants that reach every instance, their own or their role's, name every (resource, action)
 * of the catalogue. Joins and a count rather than nested NOT EXISTS, whose cost estimate on small
 * tables set off PostgreSQL's JIT (over a second per call).
 */
const administratorIds = `WITH catalogue AS (SELECT DISTINCT resource, action FROM permissions),
  reach AS (
    SELECT g.user_id, g.resource, g.action FROM user_permissions g WHERE NOT g.is_conditional OR '*' = ANY (g.scope)
    UNION
    SELECT u.id, g.resource, g.action FROM users u JOIN role_permissions g ON g.role_id = u.role_id
    WHERE NOT g.is_conditional OR '*' = ANY (g.scope)
  )
  SELECT r.user_id FROM reach r JOIN catalogue c USING (resource, action)
  GROUP BY r.user_id HAVING count(*) = (SELECT count(*) FROM catalogue)`

/**
 * The transaction-scoped advisory lock serialises the commands that may demote an administrator;
 * READ COMMITTED reads after it see what the previous holder committed.
 */
export const layer: Layer.Layer<Administrators, never, SqlClient.SqlClient> = Layer.effect(
  Administrators,
  Effect.map(SqlClient.SqlClient, (sql) => {
    const decode = Schema.decodeUnknown(Schema.Array(AdministratorRow))
    return Administrators.of({
      locked: sql`SELECT pg_advisory_xact_lock(hashtextextended('kingdom.auth.administrators', 0))`.pipe(
        Effect.zipRight(sql`SELECT u.id, u.role_id, ${sql.literal(grantsOf("user_permissions", "user_id", "u.id"))} AS permissions
          FROM users u WHERE u.id IN (${sql.literal(administratorIds)})`),
        Effect.flatMap(decode),
        Effect.map((rows) => rows.map((row) => ({ ...row, permissions: Grant.normalize(row.permissions) }))),
        Effect.orDie
      )
    })
  })
)
