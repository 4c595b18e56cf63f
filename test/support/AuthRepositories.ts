/** Every implementation of the auth module's repository ports, for the contract tests to run on each. */
import { Layer } from "effect"
import * as Grant from "../../src/access/Grant.js"
import * as MemoryCallers from "../../src/auth/adapters/memory/CallersMemory.js"
import * as MemoryCatalogue from "../../src/auth/adapters/memory/PermissionCatalogueMemory.js"
import * as MemoryResetTokens from "../../src/auth/adapters/memory/ResetTokenRepositoryMemory.js"
import * as MemoryRoles from "../../src/auth/adapters/memory/RoleRepositoryMemory.js"
import * as MemorySessions from "../../src/auth/adapters/memory/SessionRepositoryMemory.js"
import * as MemoryUsers from "../../src/auth/adapters/memory/UserRepositoryMemory.js"
import * as PgCallers from "../../src/auth/adapters/postgres/CallersPg.js"
import * as PgCatalogue from "../../src/auth/adapters/postgres/PermissionCataloguePg.js"
import * as PgResetTokens from "../../src/auth/adapters/postgres/ResetTokenRepositoryPg.js"
import * as PgRoles from "../../src/auth/adapters/postgres/RoleRepositoryPg.js"
import * as PgSessions from "../../src/auth/adapters/postgres/SessionRepositoryPg.js"
import * as PgUsers from "../../src/auth/adapters/postgres/UserRepositoryPg.js"
import { RoleId, UserId } from "../../src/auth/domain/Ids.js"
import type { Role } from "../../src/auth/domain/Role.js"
import * as User from "../../src/auth/domain/User.js"
import type { Callers } from "../../src/auth/ports/Callers.js"
import type { PermissionCatalogue } from "../../src/auth/ports/PermissionCatalogue.js"
import type { ResetTokenRepository } from "../../src/auth/ports/ResetTokenRepository.js"
import type { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import type { SessionRepository } from "../../src/auth/ports/SessionRepository.js"
import type { UserRepository } from "../../src/auth/ports/UserRepository.js"
import * as Composition from "../../src/Composition.js"
import { backends } from "./TestDatabases.js"
import { randomKey, uuid } from "./RandomRefs.js"

export type Ports = UserRepository | RoleRepository | PermissionCatalogue | ResetTokenRepository | SessionRepository | Callers

const memory: Layer.Layer<Ports> = MemoryCallers.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(
    MemoryRoles.layer.pipe(Layer.provideMerge(MemoryUsers.layer)),
    MemoryCatalogue.layer(Composition.catalogue),
    MemoryResetTokens.layer,
    MemorySessions.layer
  ))
)
const sql = Layer.mergeAll(PgUsers.layer, PgRoles.layer, PgCatalogue.layer, PgResetTokens.layer, PgSessions.layer, PgCallers.layer)

export const implementations = [
  { name: "memory", layer: (): Layer.Layer<Ports, unknown> => memory, skip: undefined },
  ...backends.map((backend) => ({
    name: backend.name,
    layer: (): Layer.Layer<Ports, unknown> => Layer.provide(sql, backend.layer()),
    skip: backend.skip
  }))
]

/** Whole milliseconds, as JavaScript dates are; the SQL columns keep them exactly. */
export const now = () => new Date(Math.floor(Date.now()))

export const newUser = (createdAt = now()) =>
  User.register({ id: UserId(uuid()), accessKey: randomKey("user"), email: "someone@example.com", name: "Someone", passwordHash: "$argon2id$fake", now: createdAt }).state

export const newRole = (name = "Role", code = randomKey("role")): Role => ({
  id: RoleId(uuid()),
  code,
  name,
  permissions: [Grant.unconditional("user", "GET")],
  createdAt: now(),
  version: 0
})
