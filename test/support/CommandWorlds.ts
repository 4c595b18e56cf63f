/**
 * Everything commands need to run through the bus (repositories, unit of work, outbox, hasher,
 * tokens, the acting system), once per implementation: the in-memory fakes, PGlite and PostgreSQL.
 * For tests that dispatch commands and must see the same outcome on each.
 */
import * as Composition from "../../src/Composition.js"
import * as PgClient from "@effect/sql-pg/PgClient"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Redacted, String } from "effect"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as Actor from "../../src/auth/Actor.js"
import * as OutboxPg from "../../src/database/OutboxPg.js"
import * as SqlUnitOfWork from "../../src/database/SqlUnitOfWork.js"
import * as CommitSignal from "../../src/kernel/CommitSignal.js"
import { LocalSubscriptions } from "../../src/kernel/Outbox.js"
import * as TestDatabases from "./TestDatabases.js"
import * as TestLayers from "./TestLayers.js"
import type * as AuthApi from "../../src/auth/graphql/Resolvers.js"
import type * as OrganisationsApi from "../../src/organisations/graphql/Resolvers.js"
import type { Mailer } from "../../src/auth/ports/Mailer.js"
import type { AuthSettings } from "../../src/auth/Settings.js"
import type { Throttle } from "../../src/auth/Throttle.js"

/** What the commands need: every module's API services without mail, as the acting system. */
export type CommandServices =
  | Exclude<AuthApi.AuthServices | OrganisationsApi.OrganisationServices, Mailer | AuthSettings | Throttle>
  | Actor.CurrentActor

/** The real hasher: the memory world's cheap one is private to TestLayers, and argon2 costs little here. */
const sqlServices = Layer.mergeAll(
  Composition.authRepositoriesSql,
  Composition.organisationRepositoriesSql,
  SqlUnitOfWork.layer,
  // No subscriber runs here: events only need to be stored with their command.
  OutboxPg.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, []))),
  Argon2Hasher.layer(2),
  TestLayers.tokens,
  TestLayers.settings,
  Layer.succeed(Actor.CurrentActor, Actor.system),
  CommitSignal.layer
)

/**
 * A second pool, `connections` wide, on the fresh database TestDatabases made (and migrates and drops):
 * its own pool has the driver's default of 10, too few for tens of commands to hold transactions at once.
 */
const widePool = (connections: number) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const serverUrl = yield* Effect.orDieWith(TestDatabases.postgresUrl, () => new Error(TestDatabases.skipReason))
    const sql = yield* SqlClient.SqlClient
    const [database] = yield* sql<{ readonly name: string }>`SELECT current_database() AS name`
    const url = new URL(serverUrl)
    url.pathname = `/${database!.name}`
    // The same name transforms as TestDatabases' clients: the repositories expect camelCase rows.
    return PgClient.layer({
      url: Redacted.make(url.toString()),
      maxConnections: connections,
      transformQueryNames: String.camelToSnake,
      transformResultNames: String.snakeToCamel
    })
  }))

export interface CommandWorld {
  readonly name: string
  readonly layer: () => Layer.Layer<CommandServices, unknown>
  /** Pass to `describe.skipIf(world.skip !== undefined)`; says why when set. */
  readonly skip: string | undefined
  /** Commands really overlap (a pool of connections); memory and PGlite run one unit of work at a time. */
  readonly concurrent: boolean
}

export const worlds = (postgresConnections = 20): ReadonlyArray<CommandWorld> => [
  { name: "memory", layer: TestLayers.auth, skip: undefined, concurrent: false },
  { name: "PGlite", layer: () => Layer.provide(sqlServices, TestDatabases.pglite()), skip: undefined, concurrent: false },
  {
    name: "PostgreSQL 15",
    layer: () =>
      Layer.provide(sqlServices, Layer.provide(widePool(postgresConnections), TestDatabases.postgres())),
    skip: Option.isNone(TestDatabases.postgresUrl) ? TestDatabases.skipReason : undefined,
    concurrent: true
  }
]
