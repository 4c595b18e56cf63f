import { Clock, Effect, Option } from "effect"
import type { Grant } from "../../access/Grant.js"
import * as Policy from "../../access/Policy.js"
import { CurrentActor } from "../Actor.js"
import * as Catalogue from "../domain/Catalogue.js"
import { NotGrantable, RoleNotFound, UserNotFound } from "../domain/Errors.js"
import * as GrantRequest from "../domain/GrantRequest.js"
import { PermissionCatalogue } from "../ports/PermissionCatalogue.js"
import { RoleRepository } from "../ports/RoleRepository.js"
import { UserRepository } from "../ports/UserRepository.js"

/** Loading steps shared by the handlers: each fails with the domain error the client should see. */
export const userByAccessKey = (accessKey: string) =>
  Effect.flatMap(UserRepository, (users) => users.byAccessKey(accessKey)).pipe(
    Effect.flatMap(Option.match({ onNone: () => new UserNotFound({ accessKey }), onSome: Effect.succeed }))
  )

export const roleByCode = (code: string) =>
  Effect.flatMap(RoleRepository, (roles) => roles.byCode(code)).pipe(
    Effect.flatMap(Option.match({ onNone: () => new RoleNotFound({ code }), onSome: Effect.succeed }))
  )

/** Requested grants, each well formed (GrantRequest.check) and in the catalogue. */
export const catalogueGrants = (requested: ReadonlyArray<GrantRequest.GrantRequest>) =>
  Effect.forEach(requested, GrantRequest.check).pipe(
    Effect.zip(Effect.flatMap(PermissionCatalogue, (catalogue) => catalogue.all)),
    Effect.flatMap(([grants, all]) => Catalogue.resolve(all, grants))
  )

/** Fails with `refuse` unless the acting caller's own grants reach every one of `grants` (the system reaches everything). */
export const withinReach = <E>(grants: ReadonlyArray<Grant>, refuse: (beyond: ReadonlyArray<Grant>) => E) =>
  Effect.flatMap(CurrentActor, (actor) => {
    const beyond = actor._tag === "System" ? [] : grants.filter((grant) => !Policy.covers(actor.policy, grant))
    return beyond.length === 0 ? Effect.void : Effect.fail(refuse(beyond))
  })

/** Nobody hands out what they lack. */
export const handOut = (grants: ReadonlyArray<Grant>) =>
  withinReach(grants, (permissions) => new NotGrantable({ permissions }))

/** Requested grants that are well formed, in the catalogue, and within what the actor may hand out. */
export const grantable = (requested: Parameters<typeof catalogueGrants>[0]) => Effect.tap(catalogueGrants(requested), handOut)

export const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))
