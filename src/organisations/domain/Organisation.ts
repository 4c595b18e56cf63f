import { Either } from "effect"
import { InvalidInput } from "../../auth/domain/Errors.js"
import * as Names from "../../auth/domain/Names.js"
import { decide, type Decision } from "../../kernel/Decision.js"
import { OrganisationCreated, OrganisationRenamed } from "./Events.js"
import type { OrganisationId } from "./Ids.js"

/**
 * A team. Its slug names it everywhere (the API, grant scopes) and never changes; its name may.
 * Members are an aggregate of their own (Membership.ts), so joining never contends with a rename.
 */
export interface Organisation {
  readonly id: OrganisationId
  readonly slug: string
  readonly name: string
  readonly createdAt: Date
  readonly version: number
}

/** Lower-case, URL- and scope-safe: `acme`, `platform-team`. */
const slugPattern = /^[a-z0-9][a-z0-9-]{0,62}$/

export const checkSlug = (slug: string): Either.Either<string, InvalidInput> =>
  slugPattern.test(slug)
    ? Either.right(slug)
    : Either.left(new InvalidInput({ field: "slug", reason: "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit" }))

export const create = (input: {
  readonly id: OrganisationId
  readonly slug: string
  readonly name: string
  readonly now: Date
}): Either.Either<Decision<Organisation, OrganisationCreated>, InvalidInput> =>
  Either.gen(function*() {
    const slug = yield* checkSlug(input.slug)
    const name = yield* Names.checkName(input.name)
    const organisation: Organisation = { id: input.id, slug, name, createdAt: input.now, version: 0 }
    return decide(organisation, new OrganisationCreated({ organisationId: input.id, slug, name, at: input.now }))
  })

/** Renaming to the current name changes nothing and records nothing. */
export const rename = (
  organisation: Organisation,
  name: string
): Either.Either<Decision<Organisation, OrganisationRenamed>, InvalidInput> =>
  Either.map(Names.checkName(name), (checked) =>
    checked === organisation.name
      ? decide<Organisation, OrganisationRenamed>(organisation)
      : decide({ ...organisation, name: checked }, new OrganisationRenamed({ organisationId: organisation.id, name: checked })))
