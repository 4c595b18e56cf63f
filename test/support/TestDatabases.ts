/**
 * Databases for integration and contract tests: a fresh, dbmate-migrated database per layer, on PGlite
 * (in memory) or on the PostgreSQL server named by TEST_DATABASE_URL. The only test file that reads
 * process.env; tests choose backends from `backends` and skip PostgreSQL when it is not configured:
 *
 *   for (const backend of backends) {
 *     describe.skipIf(backend.skip !== undefined)(backend.name, () => {
 *       layer(backend.layer())((it) => { it.effect("…", () => …) })
 *     })
 *   }
 *
 * Beware: @effect/vitest 0.30's `layer()` rebinds the shared `it.effect`/`it.scoped` to its layer (even
 * inside a skipped describe), so in a file that calls `layer()`, tests outside it use `it.live`.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Effect, Layer, Option, Redacted, String } from "effect"
import { randomUUID } from "node:crypto"
import * as Migrations from "../../src/database/Migrations.js"
import * as PgliteClient from "../../src/database/PgliteClient.js"

const transforms = { transformQueryNames: String.camelToSnake, transformResultNames: String.snakeToCamel }

/** dbmate on the test database itself, for tests about migrating (again). */
export class TestMigrations extends Context.Tag("test/TestMigrations")<TestMigrations, {
  readonly migrate: (options?: Migrations.MigrateOptions) => Effect.Effect<void, Migrations.MigrationFailed>
  readonly pending: (options?: Migrations.MigrateOptions) => Effect.Effect<ReadonlyArray<string>, Migrations.MigrationFailed>
}>() {}

export type TestDatabase = Layer.Layer<SqlClient.SqlClient | TestMigrations, SqlError | Migrations.MigrationFailed>

export const postgresUrl: Option.Option<string> = Option.fromNullable(process.env["TEST_DATABASE_URL"]).pipe(
  Option.filter((url) => url.trim() !== "")
)

export const skipReason = "TEST_DATABASE_URL is not set: PostgreSQL tests skipped"

/** A fresh in-memory PGlite, migrated by dbmate. */
export const pglite = (): Layer.Layer<SqlClient.SqlClient | PgliteClient.PgliteDb | TestMigrations, SqlError | Migrations.MigrationFailed> =>
  Layer.effectContext(Effect.gen(function*() {
    const db = yield* PgliteClient.PgliteDb
    const migrations = TestMigrations.of({
      migrate: (options) => Migrations.migratePglite(db, options),
      pending: (options) => Migrations.pendingPglite(db, options)
    })
    yield* migrations.migrate()
    return Context.make(TestMigrations, migrations)
  })).pipe(Layer.provideMerge(PgliteClient.layer({ dataDir: undefined, ...transforms })))

export const withDatabase = (serverUrl: string, database: string): Redacted.Redacted => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return Redacted.make(url.toString())
}

/** One statement on the server's own database (CREATE/DROP DATABASE cannot run in a transaction). */
export const onServer = (serverUrl: string, statement: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, SqlError>) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(serverUrl), maxConnections: 1 }), statement)).pipe(
    Effect.provide(Reactivity.layer)
  )

/** A fresh database `kingdom_test_<random>` on the TEST_DATABASE_URL server, migrated, dropped afterwards. */
export const postgres = (): TestDatabase =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const serverUrl = yield* Effect.orDieWith(postgresUrl, () => new Error(skipReason))
    const name = `kingdom_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
    yield* Effect.acquireRelease(
      onServer(serverUrl, (sql) => sql`CREATE DATABASE ${sql(name)}`),
      // FORCE: a test that failed half-way may leave connections behind.
      () => Effect.orDie(onServer(serverUrl, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`))
    )
    const url = withDatabase(serverUrl, name)
    const migrations = TestMigrations.of({
      migrate: (options) => Migrations.migratePostgres(url, options),
      pending: (options) => Migrations.pendingPostgres(url, options)
    })
    yield* migrations.migrate()
    return Layer.merge(PgClient.layer({ url, ...transforms }), Layer.succeed(TestMigrations, migrations))
  }))

export interface Backend {
  readonly name: string
  readonly layer: () => TestDatabase
  /** Pass to `describe.skipIf(backend.skip !== undefined)`; says why when set. */
  readonly skip: string | undefined
}

export const backends: ReadonlyArray<Backend> = [
  { name: "PGlite", layer: pglite, skip: undefined },
  { name: "PostgreSQL 15", layer: postgres, skip: Option.isNone(postgresUrl) ? skipReason : undefined }
]
