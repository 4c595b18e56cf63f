import { Effect, Layer } from "effect"
import * as Catalogue from "../../domain/Catalogue.js"
import { PermissionCatalogue } from "../../ports/PermissionCatalogue.js"

export const layer: Layer.Layer<PermissionCatalogue> = Layer.succeed(
  PermissionCatalogue,
  PermissionCatalogue.of({
    all: Effect.succeed(Catalogue.seeded),
    list: ({ action, limit, resource }) =>
      Effect.succeed(
        Catalogue.seeded
          .filter((p) => (resource === undefined || p.resource === resource) && (action === undefined || p.action === action))
          .slice(0, limit)
      )
  })
)
