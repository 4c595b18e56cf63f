/**
 * A dedicated PostgreSQL database for a benchmark, next to (never inside) the tests' databases:
 * created through the server's maintenance database, migrated by dbmate through the server's own
 * database layer, and reused by later runs when a finished seed left its marker on it.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Redacted } from "effect"
import * as Database from "../../src/database/Database.js"

/** One statement on the maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
const onServer = <A>(serverUrl: string, statement: (sql: SqlClient.SqlClient) => Effect.Effect<A, SqlError>) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(serverUrl), maxConnections: 1 }), statement)).pipe(
    Effect.provide(Reactivity.layer)
  )

export const urlOf = (serverUrl: string, database: string): string => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

export type Preparation = "reused" | "created"

/**
 * Makes sure `name` exists. It is reused when its comment equals `marker` (set by `markSeeded` after a
 * complete seed) and `fresh` is false; otherwise it is dropped and created empty.
 */
export const prepare = (serverUrl: string, name: string, marker: string, fresh: boolean): Effect.Effect<Preparation, SqlError> =>
  onServer(serverUrl, (sql) =>
    Effect.gen(function*() {
      const found = yield* sql<{ readonly note: string | null }>`
        SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = ${name}`
      if (!fresh && found[0]?.note === marker) return "reused" as const
      yield* sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`
      yield* sql`CREATE DATABASE ${sql(name)}`
      return "created" as const
    }))

/** COMMENT takes no parameters; the marker is a constant of the benchmark, quoted here all the same. */
export const markSeeded = (sql: SqlClient.SqlClient, name: string, marker: string) =>
  sql`COMMENT ON DATABASE ${sql(name)} IS ${sql.literal(`'${marker.replaceAll("'", "''")}'`)}`

/** The server's own database layer (pool, connect timeout, name transforms), migrating at start like MIGRATE_ON_START=true. */
export const layer = (url: string) =>
  Database.layer({ url: Option.some(Redacted.make(url)), dataDir: "./.data", migrateOnStart: true, poolMax: 10 })

/** Drops `name`, closing any session still on it, for benchmarks that leave nothing behind. */
export const drop = (serverUrl: string, name: string): Effect.Effect<void, SqlError> =>
  onServer(serverUrl, (sql) => Effect.asVoid(sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`))
