import { Brand } from "effect"

export type UserId = string & Brand.Brand<"UserId">
export const UserId = Brand.nominal<UserId>()

export type RoleId = string & Brand.Brand<"RoleId">
export const RoleId = Brand.nominal<RoleId>()
