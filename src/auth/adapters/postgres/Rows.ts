import type { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import type { Permission } from "../../domain/Permission.js"
import { actions } from "../../domain/Permission.js"

/** Row shapes as they come back from SQL (snake_case already turned into camelCase by the client). */
export const Grant = Schema.Struct({
  resource: Schema.String,
  action: Schema.Literal(...actions),
  isConditional: Schema.Boolean
})

/** Aggregates a grants table into one JSON array column, `[]` when there is none. */
export const grantsJson = (alias: string) =>
  `coalesce(json_agg(json_build_object('resource', ${alias}.resource, 'action', ${alias}.action, ` +
  `'isConditional', ${alias}.is_conditional) ORDER BY ${alias}.resource, ${alias}.action, ${alias}.is_conditional) ` +
  `FILTER (WHERE ${alias}.resource IS NOT NULL), '[]')`

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

export const RoleRow = Schema.Struct({
  id: Schema.String.pipe(Schema.brand("RoleId")),
  code: Schema.String,
  name: Schema.String,
  permissions: Schema.Array(Grant),
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
})

/**
 * Makes a grants table (`user_permissions`, `role_permissions`) hold exactly `permissions` for one
 * owner. Table and column names are constants of the adapters, never user input.
 */
export const replaceGrants = (
  sql: SqlClient.SqlClient,
  table: "user_permissions" | "role_permissions",
  owner: { readonly column: "userId" | "roleId"; readonly id: string },
  permissions: ReadonlyArray<Permission>
) =>
  Effect.zipRight(
    sql`DELETE FROM ${sql(table)} WHERE ${sql(owner.column)} = ${owner.id}`,
    permissions.length === 0 ? Effect.void : sql`INSERT INTO ${sql(table)} ${
      sql.insert(permissions.map((p) => ({ [owner.column]: owner.id, resource: p.resource, action: p.action, isConditional: p.isConditional })))
    }`
  )
