import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Migrations from "../../src/database/Migrations.js"
import { suiteName } from "../support/Skips.js"
import { backends, postgresUrl, skipReason, TestMigrations } from "../support/TestDatabases.js"

const versions = Fs.readdirSync(Migrations.projectMigrationsDir)
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.split("_")[0]!)
  .sort()

/** The project's migrations plus one that cannot run, in a directory removed after the test. */
const brokenMigrationsDir = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-migrations-"))
    Fs.cpSync(Migrations.projectMigrationsDir, dir, { recursive: true })
    Fs.writeFileSync(
      Path.join(dir, "29990101000000_broken.sql"),
      "-- migrate:up\nCREATE TABLE broken (id integer PRIMARY KEY;\n\n-- migrate:down\nDROP TABLE broken;\n"
    )
    return dir
  }),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const appliedVersions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ version: string }>`SELECT version FROM schema_migrations ORDER BY version`
  return rows.map((row) => row.version)
})

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(suiteName(`Migrations on ${backend.name}`, backend.skip), () => {
    layer(backend.layer())((it) => {
      it.effect("records every migration in schema_migrations", () =>
        Effect.gen(function*() {
          expect(yield* appliedVersions).toEqual(versions)
          const sql = yield* SqlClient.SqlClient
          const [catalogue] = yield* sql<{ count: string }>`SELECT count(*) FROM permissions`
          expect(catalogue!.count).toBe("32")
        }))

      it.effect("running dbmate again changes nothing", () =>
        Effect.gen(function*() {
          const migrations = yield* TestMigrations
          yield* migrations.migrate()
          expect(yield* appliedVersions).toEqual(versions)
          expect(yield* migrations.pending()).toEqual([])
        }))

      it.scoped("a failing migration is a MigrationFailed with dbmate's message, and is not recorded", () =>
        Effect.gen(function*() {
          const migrations = yield* TestMigrations
          const migrationsDir = yield* brokenMigrationsDir
          expect(yield* migrations.pending({ migrationsDir })).toEqual(["29990101000000_broken.sql"])
          const error = yield* Effect.flip(migrations.migrate({ migrationsDir }))
          expect(error._tag).toBe("MigrationFailed")
          expect(error.exitCode).not.toBe(0)
          expect(error.stderr).toMatch(/syntax error/)
          expect(error.message).toMatch(/^Migrating .*: dbmate exited with code \d+: .*syntax error/)
          expect(yield* appliedVersions).toEqual(versions)
        }))

      it.effect("a missing migrations directory is a MigrationFailed", () =>
        Effect.gen(function*() {
          const migrations = yield* TestMigrations
          const error = yield* Effect.flip(migrations.migrate({ migrationsDir: "/nonexistent/kingdom/migrations" }))
          expect(error.message).toMatch(/nonexistent\/kingdom\/migrations/)
        }))
    })
  })
}

// `it.live` outside layer(): @effect/vitest 0.30's layer() rebinds the shared `it.effect` to its own layer.
describe.skipIf(postgresUrl._tag === "None")(suiteName("Migrations.migratePostgres errors", postgresUrl._tag === "None" ? skipReason : undefined), () => {
  it.live("never shows the password", () =>
    Effect.gen(function*() {
      const url = new URL(postgresUrl._tag === "Some" ? postgresUrl.value : "postgres://localhost/")
      url.username = "kingdom_no_such_user"
      url.password = "hunter2-very-secret"
      url.pathname = "/kingdom_no_such_database"
      const error = yield* Effect.flip(Migrations.migratePostgres(Redacted.make(url.toString())))
      expect(error.database).toMatch(/kingdom_no_such_database$/)
      expect(error.message).not.toContain("hunter2")
      expect(JSON.stringify(error)).not.toContain("hunter2")
    }))
})

describe("Migrations.migratePostgres on an unreachable server", () => {
  it.live("fails with MigrationFailed, not a hang", () =>
    Effect.gen(function*() {
      // Port 1 on loopback: nothing listens there, the connection is refused at once.
      const error = yield* Effect.flip(Migrations.migratePostgres(Redacted.make("postgres://u:p4ss@127.0.0.1:1/db")))
      expect(error.database).toBe("127.0.0.1:1/db")
      expect(error.stderr).toMatch(/connection refused/)
      expect(error.message).not.toContain("p4ss")
    }))
})
