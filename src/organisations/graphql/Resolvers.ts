/**
 * The organisations module's fields, kept thin: decode the arguments into a command or query input,
 * dispatch it or read it, and shape the answer. Access rules live in schema.graphql (Directives.ts).
 */
import { Effect, Option, Schema } from "effect"
import type { UserRepository } from "../../auth/ports/UserRepository.js"
import { PageArguments, withArgs, withCommand } from "../../graphql/Arguments.js"
import { connectionView, totalCounts } from "../../graphql/ConnectionView.js"
import { callerAccess, FieldAccess, type ModuleApi } from "../../graphql/Context.js"
import type { CommitSignal } from "../../kernel/CommitSignal.js"
import type { Outbox } from "../../kernel/Outbox.js"
import type { UnitOfWork } from "../../kernel/UnitOfWork.js"
import * as Commands from "../Commands.js"
import { dispatch } from "../handlers/Handlers.js"
import type { MembershipRepository } from "../ports/MembershipRepository.js"
import type { OrganisationRepository } from "../ports/OrganisationRepository.js"
import * as Queries from "../Queries.js"
import * as Views from "./Views.js"

/** Everything the organisations API needs from the composition root (auth's users, to find members by access key). */
export type OrganisationServices =
  | OrganisationRepository
  | MembershipRepository
  | UserRepository
  | UnitOfWork
  | Outbox
  | CommitSignal

const decodePage = Schema.decodeUnknown(Schema.Struct(PageArguments))

export const api: ModuleApi<OrganisationServices> = {
  name: "organisations",
  sdlFile: new URL("./schema.graphql", import.meta.url),
  Query: {
    organisation: withArgs(Schema.Struct({ slug: Schema.String }), ({ slug }) =>
      Effect.map(Queries.organisationBySlug(slug), Option.match({ onNone: () => null, onSome: Views.organisation }))),
    organisations: withArgs(Schema.Struct(PageArguments), (args) =>
      Effect.flatMap(FieldAccess, (access) => Queries.organisations(args, access)).pipe(
        Effect.map((connection) => connectionView(connection, Views.organisation))
      ))
  },
  // Every mutation answers the organisation as the command left it, its members selectable.
  Mutation: {
    createOrganisation: withCommand(Commands.CreateOrganisation, (command) => Effect.map(dispatch(command), Views.organisation)),
    renameOrganisation: withCommand(Commands.RenameOrganisation, (command) => Effect.map(dispatch(command), Views.organisation)),
    addOrganisationMember: withCommand(Commands.AddMember, (command) => Effect.map(dispatch(command), Views.organisation)),
    removeOrganisationMember: withCommand(Commands.RemoveMember, (command) => Effect.map(dispatch(command), Views.organisation))
  },
  types: {
    // The parent organisation was reached through a guarded root field, so its members need no rule of
    // their own; who they are (their access keys) is shown as far as the caller's user GET reaches.
    Organisation: {
      members: (organisation: Views.OrganisationNode, args) =>
        Effect.flatMap(decodePage(args), (page) => Queries.members(page, organisation.id)).pipe(
          Effect.zipWith(callerAccess("user", "GET"), (connection, users) => connectionView(connection, Views.member(users)))
        )
    },
    ...totalCounts<OrganisationServices>("OrganisationConnection", "OrganisationMemberConnection")
  }
}
