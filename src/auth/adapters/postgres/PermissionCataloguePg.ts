import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Schema } from "effect"
import * as Permission from "../../../access/Permission.js"
import * as Keyset from "../../../database/Keyset.js"
import { type PermissionFilter, type PermissionKey, PermissionCatalogue } from "../../ports/PermissionCatalogue.js"
import { Permission as PermissionRow } from "./Rows.js"

export const layer: Layer.Layer<PermissionCatalogue, never, SqlClient.SqlClient> = Layer.effect(
  PermissionCatalogue,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(PermissionRow))
    const permissions = (where: Fragment, rest: Fragment) =>
      sql`SELECT p.resource, p.action, p.is_conditional FROM permissions p WHERE ${where} ${rest}`.pipe(Effect.flatMap(decode))
    const list = Keyset.make(sql, {
      from: "permissions p",
      // Permission.compare's order: byte order of resource and action, then conditional before unconditional.
      sortKey: {
        columns: [`p.resource COLLATE "C"`, `p.action COLLATE "C"`, "NOT p.is_conditional"],
        values: (key: PermissionKey) => [key.resource, key.action, !key.isConditional]
      },
      where: (filter: PermissionFilter) =>
        sql.and([
          ...(filter.resource === undefined ? [] : [sql`p.resource = ${filter.resource}`]),
          ...(filter.action === undefined ? [] : [sql`p.action = ${filter.action}`])
        ])
    }, permissions)
    const readAll = permissions(sql`1=1`, sql``).pipe(Effect.map(Permission.normalize), Effect.orDie)
    // Read once per process: only a migration changes the catalogue, and code that grants a new entry
    // arrives with it, in a new process. Every grant and revocation would otherwise read it again.
    let known: ReadonlyArray<Permission.Permission> | undefined
    return PermissionCatalogue.of({
      all: Effect.suspend(() =>
        known !== undefined ? Effect.succeed(known) : Effect.tap(readAll, (catalogue) => Effect.sync(() => {
          known = catalogue
        }))
      ),
      page: (query, filter) => Effect.orDie(list.page(query, filter)),
      count: (filter) => Effect.orDie(list.count(filter))
    })
  })
)
