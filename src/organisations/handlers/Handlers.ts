import { Schema } from "effect"
import * as MessageBus from "../../kernel/MessageBus.js"
import { OrganisationEvent } from "../domain/Events.js"
import { addMember, removeMember, removeUserMemberships } from "./Memberships.js"
import { createOrganisation, renameOrganisation } from "./Organisations.js"

/** The organisations module's registry: each command tag to its one handler. */
export const commandHandlers = {
  CreateOrganisation: createOrganisation,
  RenameOrganisation: renameOrganisation,
  AddMember: addMember,
  RemoveMember: removeMember,
  RemoveUserMemberships: removeUserMemberships
}

/** Sends an organisations command through the bus: one unit of work, its events stored in the outbox with it. */
export const dispatch = MessageBus.make<typeof commandHandlers, OrganisationEvent>(commandHandlers, Schema.encodeSync(OrganisationEvent))
