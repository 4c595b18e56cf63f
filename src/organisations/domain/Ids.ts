import { Brand } from "effect"

export type OrganisationId = string & Brand.Brand<"OrganisationId">
export const OrganisationId = Brand.nominal<OrganisationId>()
