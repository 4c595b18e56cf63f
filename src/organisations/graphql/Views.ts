/**
 * What clients see of the module's data: the sources of schema.graphql's object types, built
 * explicitly so nothing else (ids, versions) leaks through; `id` is only for the `members` field.
 */
import type { Membership } from "../domain/Membership.js"
import type { Organisation } from "../domain/Organisation.js"

export const organisation = (organisation: Organisation) => ({
  id: organisation.id,
  slug: organisation.slug,
  name: organisation.name,
  createdAt: organisation.createdAt.toISOString()
})

export type OrganisationNode = ReturnType<typeof organisation>

export const member = (membership: Membership) => ({
  accessKey: membership.accessKey,
  joinedAt: membership.joinedAt.toISOString()
})
