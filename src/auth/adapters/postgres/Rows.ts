import type { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import type { Grant as DomainGrant } from "../../../access/Grant.js"
import { actions } from "../../../access/Permission.js"
import { SessionId, UserId } from "../../domain/Ids.js"

/** Row shapes as they come back from SQL (snake_case already turned into camelCase by the client). */
export const Permission = Schema.Struct({
  resource: Schema.String,
  action: Schema.Literal(...actions),
  isConditional: Schema.Boolean
})

export const Grant = Schema.Struct({ ...Permission.fields, scope: Schema.Array(Schema.String) })

/** One owner's grants as a JSON array column (`[]` when none), read by a correlated subquery. */
export const grantsOf = (table: "user_permissions" | "role_permissions", ownerColumn: string, owner: string) =>
  `(SELECT coalesce(json_agg(json_build_object('resource', g.resource, 'action', g.action, ` +
  `'isConditional', g.is_conditional, 'scope', g.scope)), '[]') FROM ${table} g WHERE g.${ownerColumn} = ${owner})`

export const UserRow = Schema.Struct({
  id: Schema.String.pipe(Schema.brand("UserId")),
  accessKey: Schema.String,
  email: Schema.String,
  name: Schema.String,
  passwordHash: Schema.String,
  roleId: Schema.NullOr(Schema.String.pipe(Schema.brand("RoleId"))),
  permissions: Schema.Array(Grant),
  createdAt: Schema.DateFromSelf,
  passwordChangedAt: Schema.DateFromSelf,
  version: Schema.Number
})

export const SessionRow = Schema.Struct({
  id: Schema.String.pipe(Schema.fromBrand(SessionId)),
  userId: Schema.String.pipe(Schema.fromBrand(UserId)),
  createdAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  revokedAt: Schema.NullOr(Schema.DateFromSelf),
  revokedReason: Schema.NullOr(Schema.Literal("logout", "refresh-token-reused", "password-changed"))
})

export const RoleRow = Schema.Struct({
  id: Schema.String.pipe(Schema.brand("RoleId")),
  code: Schema.String,
  name: Schema.String,
  permissions: Schema.Array(Grant),
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
})

/**
 * Makes a grants table (`user_permissions`, `role_permissions`) hold exactly `grants` for one owner,
 * in two statements whatever their number. Table and column names are constants of the adapters.
 */
export const replaceGrants = (
  sql: SqlClient.SqlClient,
  table: "user_permissions" | "role_permissions",
  owner: { readonly column: "user_id" | "role_id"; readonly id: string },
  grants: ReadonlyArray<DomainGrant>
) =>
  Effect.zipRight(
    sql`DELETE FROM ${sql.literal(table)} WHERE ${sql.literal(owner.column)} = ${owner.id}`,
    grants.length === 0 ? Effect.void : sql`INSERT INTO ${sql.literal(table)} (${sql.literal(owner.column)}, resource, action, is_conditional, scope)
      SELECT ${owner.id}::uuid, g.resource, g.action, g."isConditional", ARRAY(SELECT json_array_elements_text(g.scope))
      FROM json_to_recordset(${JSON.stringify(grants)}::json) AS g (resource text, action text, "isConditional" boolean, scope json)`
  )
