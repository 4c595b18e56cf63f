/**
 * The first start of an empty database: an `admin` role holding the whole permission catalogue, and
 * an administrator with that role, so the API can be used at all (every write needs a permission).
 * Goes through the same commands as the API, in one unit of work, so it is all or nothing.
 */
import { Console, Effect, Option, Redacted } from "effect"
import type { AdminConfig } from "../Config.js"
import { randomSecret } from "../kernel/Secrets.js"
import { UnitOfWork } from "../kernel/UnitOfWork.js"
import * as Actor from "./Actor.js"
import { CurrentActor } from "./Actor.js"
import { CreateRole, CreateUser, SetUserRole } from "./Commands.js"
import { dispatch } from "./handlers/Handlers.js"
import { PermissionCatalogue } from "./ports/PermissionCatalogue.js"
import { UserRepository } from "./ports/UserRepository.js"

export const adminRoleCode = "admin"

/** 24 URL-safe characters, 144 bits: strong, and easy to copy from a terminal. */
const generatedPasswordBytes = 18

const announce = (admin: AdminConfig, password: string) =>
  Console.log([
    "",
    "==================================================================",
    " First start: created the administrator account.",
    `   access key: ${admin.accessKey}`,
    `   password:   ${password}`,
    " This password is shown only this once. Sign in and change it, or",
    " set ADMIN_PASSWORD before the first start next time.",
    "==================================================================",
    ""
  ].join("\n"))

const createAdmin = (admin: AdminConfig, password: Redacted.Redacted) =>
  Effect.gen(function*() {
    const catalogue = yield* Effect.flatMap(PermissionCatalogue, (catalogue) => catalogue.all)
    // Every unconditional permission reaches every instance; conditional ones would add nothing.
    const everything = catalogue.filter((permission) => !permission.isConditional).map((permission) => ({ ...permission, scope: [] }))
    yield* dispatch(new CreateRole({ code: adminRoleCode, name: "Administrator", permissions: everything }))
    yield* dispatch(new CreateUser({ accessKey: admin.accessKey, email: admin.email, name: "Administrator", password }))
    yield* dispatch(new SetUserRole({ userAccessKey: admin.accessKey, roleCode: adminRoleCode, overridePermissions: false }))
  })

/** What the first start did: created the administrator (its password printed, or chosen), or found users already. */
export type AdminOutcome = "created with a generated password" | "created with ADMIN_PASSWORD" | "already set up"

/** Does nothing when any user exists. Another instance bootstrapping at the same moment wins quietly. */
export const ensureAdmin = (admin: AdminConfig) =>
  Effect.gen(function*() {
    if ((yield* Effect.flatMap(UserRepository, (users) => users.count({}))) > 0) return "already set up" satisfies AdminOutcome
    const generated = Option.isNone(admin.password)
    const password = Option.getOrElse(admin.password, () => Redacted.make(randomSecret(generatedPasswordBytes)))
    const created = yield* Effect.flatMap(UnitOfWork, (uow) => uow.transactional(createAdmin(admin, password).pipe(Effect.provideService(CurrentActor, Actor.system)))).pipe(
      Effect.as(true),
      Effect.catchIf(
        (error) => error._tag === "RoleAlreadyExists" || error._tag === "UserAlreadyExists",
        // Usually another instance starting at the same moment; nothing was written by this one.
        (error) => Effect.as(Effect.logWarning(`Administrator not created: ${error.message}`), false)
      )
    )
    if (!created) return "already set up" satisfies AdminOutcome
    yield* Effect.logInfo(`Created role ${adminRoleCode} and administrator ${admin.accessKey}`)
    // Printed only after the commit, and only if nobody chose the password.
    if (!generated) return "created with ADMIN_PASSWORD" satisfies AdminOutcome
    yield* announce(admin, Redacted.value(password))
    return "created with a generated password" satisfies AdminOutcome
  }).pipe(Effect.withSpan("Bootstrap.ensureAdmin"))
