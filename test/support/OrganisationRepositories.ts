/** Every implementation of the organisations module's repository ports, for the contract tests to run on each. */
import { Layer } from "effect"
import { UserId } from "../../src/auth/domain/Ids.js"
import * as Composition from "../../src/Composition.js"
import * as MemoryMemberships from "../../src/organisations/adapters/memory/MembershipRepositoryMemory.js"
import * as MemoryOrganisations from "../../src/organisations/adapters/memory/OrganisationRepositoryMemory.js"
import { OrganisationId } from "../../src/organisations/domain/Ids.js"
import type { Membership } from "../../src/organisations/domain/Membership.js"
import type { Organisation } from "../../src/organisations/domain/Organisation.js"
import type { MembershipRepository } from "../../src/organisations/ports/MembershipRepository.js"
import type { OrganisationRepository } from "../../src/organisations/ports/OrganisationRepository.js"
import { now } from "./AuthRepositories.js"
import { randomKey, uuid } from "./RandomRefs.js"
import { backends } from "./TestDatabases.js"

export type Ports = OrganisationRepository | MembershipRepository

export const implementations = [
  { name: "memory", layer: (): Layer.Layer<Ports, unknown> => Layer.merge(MemoryOrganisations.layer, MemoryMemberships.layer), skip: undefined },
  ...backends.map((backend) => ({
    name: backend.name,
    layer: (): Layer.Layer<Ports, unknown> => Layer.provide(Composition.organisationRepositoriesSql, backend.layer()),
    skip: backend.skip
  }))
]

export const newOrganisation = (slug = randomKey("org")): Organisation => ({
  id: OrganisationId(uuid()),
  slug,
  name: `Team ${slug}`,
  createdAt: now(),
  version: 0
})

export const newMembership = (organisation: Organisation, joinedAt = now()): Membership => ({
  organisationId: organisation.id,
  userId: UserId(uuid()),
  accessKey: randomKey("member"),
  joinedAt
})
