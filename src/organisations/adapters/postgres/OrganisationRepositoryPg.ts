import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Option, Schema } from "effect"
import * as Keyset from "../../../database/Keyset.js"
import { isUniqueViolation } from "../../../database/SqlErrors.js"
import { textList } from "../../../database/TextList.js"
import { Conflict } from "../../../kernel/Errors.js"
import { OrganisationAlreadyExists } from "../../domain/Errors.js"
import { OrganisationId } from "../../domain/Ids.js"
import { type OrganisationFilter, type OrganisationKey, OrganisationRepository } from "../../ports/OrganisationRepository.js"

const OrganisationRow = Schema.Struct({
  id: Schema.String.pipe(Schema.fromBrand(OrganisationId)),
  slug: Schema.String,
  name: Schema.String,
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
})

export const layer: Layer.Layer<OrganisationRepository, never, SqlClient.SqlClient> = Layer.effect(
  OrganisationRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(OrganisationRow))
    const organisations = (where: Fragment, rest: Fragment = sql``) =>
      sql`SELECT o.id, o.slug, o.name, o.created_at, o.version FROM organisations o WHERE ${where} ${rest}`.pipe(
        Effect.flatMap(decode),
        Effect.orDie
      )
    const list = Keyset.make(sql, {
      from: "organisations o",
      // Byte order, the same on every server whatever its default collation (and what the memory adapter does).
      sortKey: { columns: [`o.slug COLLATE "C"`], values: (slug: OrganisationKey) => [slug] },
      where: (filter: OrganisationFilter) =>
        filter.slugs === undefined ? sql`1=1` : sql`o.slug IN (SELECT json_array_elements_text(${textList(filter.slugs)}::json))`
    }, organisations)

    return OrganisationRepository.of({
      bySlug: (slug) => Effect.map(organisations(sql`o.slug = ${slug}`), (found) => Option.fromNullable(found[0])),
      add: (organisation) =>
        sql`INSERT INTO organisations ${sql.insert({ ...organisation, version: 1 })}`.pipe(
          Effect.asVoid,
          Effect.catchTag("SqlError", (error) =>
            isUniqueViolation(error) ? Effect.fail(new OrganisationAlreadyExists({ slug: organisation.slug })) : Effect.die(error))
        ),
      save: (organisation) =>
        sql`UPDATE organisations SET name = ${organisation.name}, version = version + 1
          WHERE id = ${organisation.id} AND version = ${organisation.version} RETURNING id`.pipe(
          Effect.flatMap((updated) => updated.length === 0 ? new Conflict({ aggregate: "Organisation", id: organisation.id }) : Effect.void),
          Effect.catchTag("SqlError", Effect.die)
        ),
      page: (query, filter) => Effect.orDie(list.page(query, filter)),
      count: (filter) => Effect.orDie(list.count(filter))
    })
  })
)
