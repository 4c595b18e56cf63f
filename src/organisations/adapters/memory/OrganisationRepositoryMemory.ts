import { Effect, Layer, Option } from "effect"
import { windowOf } from "../../../kernel/Connection.js"
import { Conflict } from "../../../kernel/Errors.js"
import { compareStrings } from "../../../kernel/Order.js"
import { OrganisationAlreadyExists } from "../../domain/Errors.js"
import type { Organisation } from "../../domain/Organisation.js"
import { type OrganisationFilter, type OrganisationKey, OrganisationRepository } from "../../ports/OrganisationRepository.js"

const compare = (organisation: Organisation, slug: OrganisationKey) => compareStrings(organisation.slug, slug)

const matches = (filter: OrganisationFilter) => (organisation: Organisation) =>
  filter.slugs === undefined || filter.slugs.includes(organisation.slug)

/** Check-and-write steps run synchronously inside one `Effect.suspend`, so they are atomic like a row lock. */
export const layer: Layer.Layer<OrganisationRepository> = Layer.sync(OrganisationRepository, () => {
  const organisations = new Map<string, Organisation>()
  const bySlug = (slug: string) => Option.fromNullable([...organisations.values()].find((organisation) => organisation.slug === slug))
  const matching = (filter: OrganisationFilter) => [...organisations.values()].filter(matches(filter))
  return OrganisationRepository.of({
    bySlug: (slug) => Effect.sync(() => bySlug(slug)),
    add: (organisation) =>
      Effect.suspend(() => {
        if (Option.isSome(bySlug(organisation.slug))) return new OrganisationAlreadyExists({ slug: organisation.slug })
        organisations.set(organisation.id, { ...organisation, version: 1 })
        return Effect.void
      }),
    save: (organisation) =>
      Effect.suspend(() => {
        if (organisations.get(organisation.id)?.version !== organisation.version) {
          return new Conflict({ aggregate: "Organisation", id: organisation.id })
        }
        organisations.set(organisation.id, { ...organisation, version: organisation.version + 1 })
        return Effect.void
      }),
    page: (query, filter) => Effect.sync(() => windowOf(matching(filter).sort((a, b) => compare(a, b.slug)), compare, query)),
    count: (filter) => Effect.sync(() => matching(filter).length)
  })
})
