import { Clock, Effect, Option } from "effect"
import { UserNotFound } from "../../auth/domain/Errors.js"
import * as AuthQueries from "../../auth/Queries.js"
import { OrganisationNotFound } from "../domain/Errors.js"
import type { Member } from "../domain/Membership.js"
import { OrganisationRepository } from "../ports/OrganisationRepository.js"

/** Loading steps shared by the handlers: each fails with the domain error the client should see. */
export const organisationBySlug = (slug: string) =>
  Effect.flatMap(OrganisationRepository, (organisations) => organisations.bySlug(slug)).pipe(
    Effect.flatMap(Option.match({ onNone: () => new OrganisationNotFound({ slug }), onSome: Effect.succeed }))
  )

/** A user, read through auth's published queries (never its repositories or tables). */
export const memberByAccessKey = (accessKey: string) =>
  AuthQueries.userByAccessKey(accessKey).pipe(
    Effect.flatMap(Option.match({
      onNone: () => new UserNotFound({ accessKey }),
      onSome: (user): Effect.Effect<Member> => Effect.succeed({ id: user.id, accessKey: user.accessKey })
    }))
  )

export const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))
