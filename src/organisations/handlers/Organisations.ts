import { Effect } from "effect"
import { newUuid } from "../../kernel/Ids.js"
import { handled } from "../../kernel/MessageBus.js"
import type { CreateOrganisation, RenameOrganisation } from "../Commands.js"
import { OrganisationId } from "../domain/Ids.js"
import * as Organisation from "../domain/Organisation.js"
import { OrganisationRepository } from "../ports/OrganisationRepository.js"
import { now, organisationBySlug } from "./Lookups.js"

export const createOrganisation = Effect.fn("CreateOrganisation")(function*(command: CreateOrganisation) {
  const decision = yield* Organisation.create({ ...command, id: OrganisationId(yield* newUuid), now: yield* now })
  yield* Effect.flatMap(OrganisationRepository, (organisations) => organisations.add(decision.state))
  return handled(decision.state, decision.events)
})

export const renameOrganisation = Effect.fn("RenameOrganisation")(function*(command: RenameOrganisation) {
  const organisation = yield* organisationBySlug(command.slug)
  const decision = yield* Organisation.rename(organisation, command.name)
  if (decision.events.length > 0) yield* Effect.flatMap(OrganisationRepository, (organisations) => organisations.save(decision.state))
  return handled(decision.state, decision.events)
})
