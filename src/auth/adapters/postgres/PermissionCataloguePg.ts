import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Schema } from "effect"
import * as Keyset from "../../../database/Keyset.js"
import * as Permission from "../../domain/Permission.js"
import { type PermissionFilter, type PermissionKey, PermissionCatalogue } from "../../ports/PermissionCatalogue.js"
import { Count, Found, Permission as PermissionRow } from "./Rows.js"

/** Permission.key order: byte order of resource and action, then conditional before unconditional. */
const sortKey: Keyset.SortKey<PermissionKey> = {
  columns: [`p.resource COLLATE "C"`, `p.action COLLATE "C"`, "NOT p.is_conditional"],
  values: (key) => [key.resource, key.action, !key.isConditional]
}

export const layer: Layer.Layer<PermissionCatalogue, never, SqlClient.SqlClient> = Layer.effect(
  PermissionCatalogue,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(PermissionRow))
    const permissions = (where: Fragment, rest: Fragment) =>
      sql`SELECT p.resource, p.action, p.is_conditional FROM permissions p WHERE ${where} ${rest}`.pipe(Effect.flatMap(decode))
    const matching = (filter: PermissionFilter) =>
      sql.and([
        ...(filter.resource === undefined ? [] : [sql`p.resource = ${filter.resource}`]),
        ...(filter.action === undefined ? [] : [sql`p.action = ${filter.action}`])
      ])
    return PermissionCatalogue.of({
      // The catalogue is tiny and seeded; reading it whole keeps grant resolution one statement.
      all: permissions(sql`1=1`, sql``).pipe(Effect.map(Permission.normalize), Effect.orDie),
      page: (query, filter) =>
        Keyset.window(sql, sortKey, query, {
          rows: ({ bounds, limit, order }) => permissions(sql.and([matching(filter), bounds]), sql`ORDER BY ${order} LIMIT ${limit}`),
          any: (condition) => sql<typeof Found.Type>`SELECT EXISTS (SELECT 1 FROM permissions p WHERE ${matching(filter)} AND ${condition}) AS found`
        }).pipe(Effect.orDie),
      count: (filter) =>
        sql<typeof Count.Type>`SELECT count(*)::int AS count FROM permissions p WHERE ${matching(filter)}`.pipe(
          Effect.map((found) => found[0]?.count ?? 0),
          Effect.orDie
        )
    })
  })
)
