/**
 * An @effect/sql client over an in-process PGlite (WASM PostgreSQL), for the embedded mode and tests.
 *
 * It reuses the PostgreSQL client's statement compiler and row transforms, so a repository cannot tell
 * the two apart. PGlite is a single database session: a plain query sent while another fiber has a
 * transaction open would run inside that transaction. So every statement outside a transaction, and
 * every transaction as a whole, holds the one permit of a semaphore, which makes the session behave
 * like a pool of exactly one connection.
 */
import type { ConnectionUse } from "./DatabaseInfo.js"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { PGlite, type ParserOptions, type Results } from "@electric-sql/pglite"
import { Context, Effect, Layer, type Scope, Stream } from "effect"
import * as Fs from "node:fs"
import * as DataDirPermissions from "./DataDirPermissions.js"

/** The raw PGlite instance behind the client: migrations serve it to dbmate over a socket. */
export class PgliteDb extends Context.Tag("database/PgliteDb")<PgliteDb, PGlite>() {}

export interface PgliteClientOptions {
  /** A directory to persist to; undefined keeps the database in memory. */
  readonly dataDir: string | undefined
  readonly transformQueryNames?: ((s: string) => string) | undefined
  readonly transformResultNames?: ((s: string) => string) | undefined
}

export interface PgliteClient extends SqlClient.SqlClient {
  readonly db: PGlite
  readonly connections: () => ConnectionUse
}

type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

/**
 * PGlite's own parsers differ from node-postgres (the PostgreSQL client) for two types in use by
 * ordinary queries; match node-postgres so that code and tests see the same values on both backends.
 */
const nodePostgresParsers: ParserOptions = {
  // int8 (e.g. count(*)): node-postgres keeps the exact text, PGlite would give number or bigint.
  20: (value) => value,
  // date: node-postgres gives local midnight, PGlite would give UTC midnight.
  1082: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value)
}

const fail = (cause: unknown) => {
  // PGlite attaches the bound values to its errors (node-postgres does not); they may be secrets, such
  // as password hashes, and errors get logged.
  if (typeof cause === "object" && cause !== null && "params" in cause) delete (cause as { params?: unknown }).params
  return new SqlError({ cause, message: "Failed to execute statement" })
}

/**
 * Once PGlite starts a statement it cannot be cancelled, so wait for it even when interrupted:
 * the permit must not be handed on while the session is still busy.
 */
const run = <A>(evaluate: () => Promise<A>): Effect.Effect<A, SqlError> =>
  Effect.uninterruptible(Effect.tryPromise({ try: evaluate, catch: fail }))

/** Like node-postgres: one statement gives its rows, several give one row list per statement. */
const rowsOf = (results: Array<Results<object>>): ReadonlyArray<object> =>
  results.length === 1 ? results[0]!.rows : results.map((result) => result.rows)

const makeConnection = (db: PGlite): Connection => {
  const execute = (sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) =>
    run(() => db.query<object>(sql, [...params])).pipe(
      Effect.map((result) => transformRows ? transformRows(result.rows) : result.rows)
    )
  return {
    execute,
    executeRaw: (sql, params) => run(() => db.query(sql, [...params])),
    executeValues: (sql, params) =>
      run(() => db.query<Array<unknown>>(sql, [...params], { rowMode: "array" })).pipe(
        Effect.map((result) => result.rows)
      ),
    // The simple protocol (several statements, no parameters) only when there is nothing to bind.
    executeUnprepared: (sql, params, transformRows) =>
      params.length > 0
        ? execute(sql, params, transformRows)
        : run(() => db.exec(sql)).pipe(Effect.map((results) => {
          const rows = rowsOf(results)
          return transformRows && results.length === 1 ? transformRows(rows) : rows
        })),
    // PGlite has no cursors over its in-process protocol; results are materialised anyway.
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(execute(sql, params, transformRows))
  }
}

/**
 * PGlite sets the modes of the files it writes itself, past the umask: the WASM file system chmods each
 * new file to what the C code asked (0666 for the cluster initdb made, 0644 for the relation cache),
 * so a umask of 077 still left 968 files at 0666. Its directory is created owner-only, and everything in
 * it restricted to its owner once it has opened and again once it has closed; in between, files it adds
 * are still out of other users' reach inside the owner-only directory.
 */
const keepPrivate = (dataDir: string | undefined) =>
  dataDir === undefined ? Effect.void : DataDirPermissions.restrict(dataDir).pipe(
    Effect.mapError((unsafe) => new SqlError({ cause: unsafe, message: `PGlite: ${unsafe.message}` }))
  )

const open = (dataDir: string | undefined): Effect.Effect<PGlite, SqlError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => {
        if (dataDir === undefined) return PGlite.create({ parsers: nodePostgresParsers })
        Fs.mkdirSync(dataDir, { recursive: true, mode: DataDirPermissions.directoryMode })
        return PGlite.create({ dataDir, parsers: nodePostgresParsers })
      },
      catch: (cause) => new SqlError({ cause, message: `PGlite: cannot open ${dataDir ?? "an in-memory database"}` })
    }),
    (db) =>
      Effect.tryPromise(() => db.close()).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("PGlite did not close cleanly", cause)),
        Effect.zipRight(keepPrivate(dataDir)),
        Effect.catchAllCause((cause) => Effect.logWarning(`PGlite's files in ${dataDir} may be open to other users`, cause))
      )
  ).pipe(Effect.tap(() => keepPrivate(dataDir)))

/** Opens PGlite and builds a client over it; PGlite is closed when the scope closes. */
export const make = (
  options: PgliteClientOptions
): Effect.Effect<PgliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const db = yield* open(options.dataDir)
    const session = yield* Effect.makeSemaphore(1)
    const connection = makeConnection(db)
    const use = { busy: 0, waiting: 0 }
    // Held until the statement's (or the whole transaction's) scope closes; waiting stays interruptible
    // where the caller is.
    const acquirer: Connection.Acquirer = Effect.uninterruptibleMask((restore) =>
      Effect.sync(() => use.waiting++).pipe(
        Effect.zipRight(restore(session.take(1))),
        Effect.ensuring(Effect.sync(() => use.waiting--)),
        Effect.zipRight(Effect.sync(() => use.busy = 1)),
        Effect.zipRight(Effect.addFinalizer(() => Effect.zipRight(Effect.sync(() => use.busy = 0), session.release(1)))),
        Effect.as(connection)
      )
    )
    const client = yield* SqlClient.make({
      acquirer,
      transactionAcquirer: acquirer,
      compiler: PgClient.makeCompiler(options.transformQueryNames),
      spanAttributes: [["db.system.name", "postgresql"], ["db.namespace", options.dataDir ?? "pglite:memory"]],
      transformRows: options.transformResultNames
        ? Statement.defaultTransforms(options.transformResultNames).array
        : undefined
    })
    return Object.assign(client, { db, connections: () => ({ max: 1, open: 1, busy: use.busy, waiting: use.waiting }) })
  })

export const layer = (options: PgliteClientOptions): Layer.Layer<SqlClient.SqlClient | PgliteDb, SqlError> =>
  Layer.scopedContext(
    Effect.map(make(options), (client) =>
      Context.make(SqlClient.SqlClient, client).pipe(Context.add(PgliteDb, client.db)))
  ).pipe(Layer.provide(Reactivity.layer))
