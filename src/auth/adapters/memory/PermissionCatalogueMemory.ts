import { Effect, Layer } from "effect"
import { windowOf } from "../../../kernel/Connection.js"
import * as Catalogue from "../../domain/Catalogue.js"
import * as Permission from "../../domain/Permission.js"
import { type PermissionFilter, PermissionCatalogue } from "../../ports/PermissionCatalogue.js"

/** `Catalogue.seeded` is normalized, so already in list order. */
const matching = (filter: PermissionFilter) =>
  Catalogue.seeded.filter((p) =>
    (filter.resource === undefined || p.resource === filter.resource) && (filter.action === undefined || p.action === filter.action)
  )

export const layer: Layer.Layer<PermissionCatalogue> = Layer.succeed(
  PermissionCatalogue,
  PermissionCatalogue.of({
    all: Effect.succeed(Catalogue.seeded),
    page: (query, filter) => Effect.sync(() => windowOf(matching(filter), Permission.compare, query)),
    count: (filter) => Effect.sync(() => matching(filter).length)
  })
)
