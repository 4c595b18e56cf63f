import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import * as Permission from "../../domain/Permission.js"
import { PermissionCatalogue } from "../../ports/PermissionCatalogue.js"
import { Grant } from "./Rows.js"

export const layer: Layer.Layer<PermissionCatalogue, never, SqlClient.SqlClient> = Layer.effect(
  PermissionCatalogue,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // The order of Permission.normalize: byte order of resource and action, conditional grants first.
    const list = SqlSchema.findAll({
      Request: Schema.Struct({ resource: Schema.NullOr(Schema.String), action: Schema.NullOr(Schema.String), limit: Schema.Number }),
      Result: Grant,
      execute: ({ action, limit, resource }) =>
        sql`SELECT resource, action, is_conditional FROM permissions
          WHERE (${resource}::text IS NULL OR resource = ${resource}) AND (${action}::text IS NULL OR action = ${action})
          ORDER BY resource COLLATE "C", action COLLATE "C", is_conditional DESC LIMIT ${limit}`
    })
    return PermissionCatalogue.of({
      // The catalogue is tiny and seeded; reading it whole keeps grant resolution one statement.
      all: list({ resource: null, action: null, limit: 10_000 }).pipe(Effect.map(Permission.normalize), Effect.orDie),
      list: ({ action, limit, resource }) => list({ resource: resource ?? null, action: action ?? null, limit }).pipe(Effect.orDie)
    })
  })
)
