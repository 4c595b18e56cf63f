import { Brand } from "effect"

export type UserId = string & Brand.Brand<"UserId">
export const UserId = Brand.nominal<UserId>()

export type RoleId = string & Brand.Brand<"RoleId">
export const RoleId = Brand.nominal<RoleId>()

/** A sign-in: the family of refresh tokens it hands out, and the access tokens they buy. */
export type SessionId = string & Brand.Brand<"SessionId">
export const SessionId = Brand.nominal<SessionId>()
