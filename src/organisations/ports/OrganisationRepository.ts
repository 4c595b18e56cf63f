import { Context, type Effect, type Option } from "effect"
import type { PageQuery, Window } from "../../kernel/Connection.js"
import type { Conflict } from "../../kernel/Errors.js"
import type { OrganisationAlreadyExists } from "../domain/Errors.js"
import type { Organisation } from "../domain/Organisation.js"

/** Organisations are listed by slug in byte order (slugs are unique). */
export type OrganisationKey = string

export const keyOf = (organisation: Organisation): OrganisationKey => organisation.slug

export interface OrganisationFilter {
  /** Only these organisations (an instance-scoped caller's reach); every one when absent. */
  readonly slugs?: ReadonlyArray<string> | undefined
}

/** Organisations, one aggregate at a time. `save` succeeds only if nobody saved the organisation since it was loaded. */
export class OrganisationRepository extends Context.Tag("organisations/OrganisationRepository")<OrganisationRepository, {
  readonly bySlug: (slug: string) => Effect.Effect<Option.Option<Organisation>>
  readonly add: (organisation: Organisation) => Effect.Effect<void, OrganisationAlreadyExists>
  readonly save: (organisation: Organisation) => Effect.Effect<void, Conflict>
  readonly page: (query: PageQuery<OrganisationKey>, filter: OrganisationFilter) => Effect.Effect<Window<Organisation>>
  readonly count: (filter: OrganisationFilter) => Effect.Effect<number>
}>() {}
