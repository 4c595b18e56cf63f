import { Effect, Layer } from "effect"
import * as Permission from "../../../access/Permission.js"
import { windowOf } from "../../../kernel/Connection.js"
import { type PermissionFilter, PermissionCatalogue } from "../../ports/PermissionCatalogue.js"

/**
 * The catalogue `entries` (every module's: Composition.catalogue), as the migrations seed the SQL
 * table. The composition root passes them, since no module knows the others' resources.
 */
export const layer = (entries: ReadonlyArray<Permission.Permission>): Layer.Layer<PermissionCatalogue> => {
  // Normalized, so in list order.
  const catalogue = Permission.normalize(entries)
  const matching = (filter: PermissionFilter) =>
    catalogue.filter((p) =>
      (filter.resource === undefined || p.resource === filter.resource) && (filter.action === undefined || p.action === filter.action)
    )
  return Layer.succeed(
    PermissionCatalogue,
    PermissionCatalogue.of({
      all: Effect.succeed(catalogue),
      page: (query, filter) => Effect.sync(() => windowOf(matching(filter), Permission.compare, query)),
      count: (filter) => Effect.sync(() => matching(filter).length)
    })
  )
}
