/**
 * The database layer main.ts provides: PostgreSQL when DATABASE_URL is set, otherwise the embedded
 * PGlite under DATA_DIR. Either way the rest of the server sees one SqlClient with the same name
 * transforms (camelCase in code, snake_case in SQL), on a schema migrated by dbmate.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { Context, Duration, Effect, Layer, Option, Redacted, String } from "effect"
import * as Pg from "pg"
import * as Path from "node:path"
import type { DatabaseConfig } from "../Config.js"
import * as DataDirLock from "./DataDirLock.js"
import * as DataDirPermissions from "./DataDirPermissions.js"
import { DatabaseInfo, describePostgresUrl } from "./DatabaseInfo.js"
import * as Migrations from "./Migrations.js"
import * as PgliteClient from "./PgliteClient.js"

const transforms = { transformQueryNames: String.camelToSnake, transformResultNames: String.snakeToCamel }

/**
 * Bounds the start-up probe (@effect/sql-pg's default is 5 s) and, in pg-pool, every later connection
 * attempt and every wait for a free connection (pg-pool's default is to wait forever). An unreachable
 * server fails start-up with a message; an exhausted pool fails a query after 10 s instead of queueing it
 * without end.
 */
export const connectTimeout = Duration.seconds(10)

const postgres = (url: Redacted.Redacted, config: DatabaseConfig) =>
  Effect.gen(function*() {
    const description = describePostgresUrl(Redacted.value(url))
    // Before the pool: nothing may query a schema that is about to change.
    if (config.migrateOnStart) yield* Migrations.migratePostgres(url)
    // Our own pool, so /metrics can read how busy it is (@effect/sql-pg's make keeps its pool private);
    // its sessions are named in pg_stat_activity.
    const pool = new Pg.Pool({
      connectionString: Redacted.value(url),
      max: config.poolMax,
      connectionTimeoutMillis: Duration.toMillis(connectTimeout),
      application_name: "kingdom-server"
    })
    // pg emits errors of idle connections (a server restart); without a listener they would crash the process.
    pool.on("error", () => {})
    const acquire = Effect.acquireRelease(
      Effect.as(Effect.tryPromise({ try: () => pool.query("SELECT 1"), catch: (cause) => new SqlError({ cause, message: "Failed to connect" }) }), pool),
      () => Effect.promise(() => pool.end())
    )
    const client = yield* PgClient.fromPool({ acquire, ...transforms }).pipe(
      Effect.mapError((error) =>
        new SqlError({
          cause: error,
          message: `Cannot connect to PostgreSQL at ${description} (DATABASE_URL): ${causeMessage(error)}`
        })
      )
    )
    yield* Effect.logInfo(`Database: PostgreSQL at ${description}`)
    const connections = () => ({ max: config.poolMax, open: pool.totalCount, busy: pool.totalCount - pool.idleCount, waiting: pool.waitingCount })
    return Context.make(SqlClient.SqlClient, client).pipe(
      Context.add(DatabaseInfo, { mode: "postgres", description, connections })
    )
  })

const embedded = (dataDir: string) =>
  Effect.gen(function*() {
    const root = Path.resolve(dataDir)
    yield* DataDirPermissions.secure(root)
    // Taken first and released last (scope finalizers run in reverse): PGlite is closed before it goes.
    yield* DataDirLock.acquire(root)
    const description = Path.join(root, "pgdata")
    const client = yield* PgliteClient.make({ dataDir: description, ...transforms })
    yield* Migrations.migratePglite(client.db)
    yield* Effect.logInfo(`Database: embedded PGlite at ${description}`)
    return Context.make(SqlClient.SqlClient, client).pipe(
      Context.add(DatabaseInfo, { mode: "embedded", description, connections: client.connections })
    )
  })

/** pg reports the reason (refused, bad password, unknown database) on the cause, not the SqlError. */
const causeMessage = (error: SqlError): string =>
  error.cause instanceof Error && error.cause.message !== "" ? error.cause.message : error.message

export const layer = (
  config: DatabaseConfig
): Layer.Layer<
  SqlClient.SqlClient | DatabaseInfo,
  Migrations.MigrationFailed | DataDirLock.DataDirLocked | DataDirPermissions.DataDirUnsafe | SqlError
> =>
  Layer.scopedContext(
    Option.match(config.url, {
      onNone: () => embedded(config.dataDir),
      onSome: (url) => postgres(url, config)
    })
  ).pipe(Layer.provide(Reactivity.layer))
