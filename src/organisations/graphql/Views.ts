/**
 * What clients see of the module's data: the sources of schema.graphql's object types, built
 * explicitly so nothing else (ids, versions) leaks through; `id` is only for the `members` field.
 */
import * as Policy from "../../access/Policy.js"
import type { Membership } from "../domain/Membership.js"
import type { Organisation } from "../domain/Organisation.js"

export const organisation = (organisation: Organisation) => ({
  id: organisation.id,
  slug: organisation.slug,
  name: organisation.name,
  createdAt: organisation.createdAt.toISOString()
})

export type OrganisationNode = ReturnType<typeof organisation>

/** A member as the caller sees them: the access key only where their user GET reaches it. */
export const member = (users: Policy.Access) => (membership: Membership) => ({
  accessKey: Policy.allowsInstance(users, membership.accessKey) ? membership.accessKey : null,
  joinedAt: membership.joinedAt.toISOString()
})
