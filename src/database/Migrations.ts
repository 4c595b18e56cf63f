/**
 * Schema migrations are applied by dbmate, and only by dbmate, on both backends, so `db/migrations`
 * stays plain SQL and the `schema_migrations` bookkeeping is identical on PostgreSQL and PGlite.
 * PGlite lives inside this process, so it is served to dbmate over a short-lived local socket.
 */
import * as Command from "@effect/platform/Command"
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { resolveBinary } from "dbmate"
import { Chunk, Data, Effect, Layer, Redacted, type Scope, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { describePostgresUrl } from "./DatabaseInfo.js"

export class MigrationFailed extends Data.TaggedError("MigrationFailed")<{
  /** Which database, without credentials: host:port/name, or "embedded PGlite". */
  readonly database: string
  /** Undefined when dbmate could not be run at all. */
  readonly exitCode: number | undefined
  /** What dbmate wrote to stderr, passwords replaced by "***". */
  readonly stderr: string
}> {
  override get message(): string {
    const exit = this.exitCode === undefined ? "could not run" : `exited with code ${this.exitCode}`
    return `Migrating ${this.database}: dbmate ${exit}: ${this.stderr.trim() || "(no output)"}`
  }
}

export interface MigrateOptions {
  /** Defaults to the project's db/migrations, wherever the process was started from. */
  readonly migrationsDir?: string | undefined
}

export const projectMigrationsDir = fileURLToPath(new URL("../../db/migrations", import.meta.url))

/** How dbmate reaches a database: its URL, the secrets in it, and a name safe to log. */
interface Target {
  readonly url: string
  readonly secrets: ReadonlyArray<string>
  readonly database: string
}

const redactor = (secrets: ReadonlyArray<string>) => (text: string): string =>
  secrets.filter((secret) => secret.length > 0).reduce((acc, secret) => acc.split(secret).join("***"), text)

const isLocalHost = (hostname: string) =>
  hostname === "" || hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]"

/**
 * dbmate's driver (lib/pq) requires SSL unless told otherwise, where node-postgres does not use it
 * unless told to. Without an explicit sslmode, a local server gets `disable` (local servers rarely
 * have TLS), and a remote one keeps lib/pq's `require` so credentials never cross a network in clear;
 * set sslmode in DATABASE_URL to choose. connect_timeout bounds an unreachable host (lib/pq waits forever).
 */
const postgresTarget = (url: Redacted.Redacted): Effect.Effect<Target, MigrationFailed> =>
  Effect.try({
    try: () => postgresTargetUnsafe(Redacted.value(url)),
    // Never echo the URL itself: it may hold the password.
    catch: () => new MigrationFailed({ database: "DATABASE_URL", exitCode: undefined, stderr: "not a valid URL" })
  })

const postgresTargetUnsafe = (raw: string): Target => {
  const parsed = new URL(raw)
  if (!parsed.searchParams.has("sslmode") && isLocalHost(parsed.hostname)) parsed.searchParams.set("sslmode", "disable")
  if (!parsed.searchParams.has("connect_timeout")) parsed.searchParams.set("connect_timeout", "10")
  return {
    url: parsed.toString(),
    secrets: [raw, parsed.toString(), parsed.password, decodeURIComponent(parsed.password)],
    database: describePostgresUrl(raw)
  }
}

/**
 * Serves PGlite on a random local port for the scope. Several connections are allowed because dbmate
 * reconnects right after its first check, before the server has noticed the first one closing.
 */
const pgliteTarget = (db: PGlite): Effect.Effect<Target, MigrationFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 })
        await server.start()
        return server
      },
      catch: (cause) => new MigrationFailed({ database: "embedded PGlite", exitCode: undefined, stderr: String(cause) })
    }),
    (server) => Effect.promise(() => server.stop())
  ).pipe(Effect.map((server) => ({
    url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    secrets: [],
    database: "embedded PGlite"
  })))

const executor = Layer.provide(NodeCommandExecutor.layer, NodeFileSystem.layer)

/** Runs dbmate with the URL in its environment (never in argv, which `ps` shows); returns stdout lines. */
const dbmate = (target: Target, args: ReadonlyArray<string>, options: MigrateOptions & { readonly log: boolean }) => {
  const redact = redactor(target.secrets)
  const failed = (exitCode: number | undefined, stderr: string) =>
    new MigrationFailed({ database: target.database, exitCode, stderr: redact(stderr) })
  return Effect.gen(function*() {
    // The platform binary itself (not the npm wrapper script), so signals reach dbmate directly.
    const binary = yield* Effect.try({ try: resolveBinary, catch: (cause) => failed(undefined, String(cause)) })
    const migrationsDir = options.migrationsDir ?? projectMigrationsDir
    const command = Command.make(binary, "--migrations-dir", migrationsDir, "--no-dump-schema", ...args).pipe(
      Command.env({ DATABASE_URL: target.url })
    )
    const child = yield* Command.start(command)
    const [stdout, stderr, exitCode] = yield* Effect.all([
      child.stdout.pipe(
        Stream.decodeText(),
        Stream.splitLines,
        Stream.map(redact),
        Stream.tap((line) => options.log && line.trim() !== "" ? Effect.logInfo(line) : Effect.void),
        Stream.runCollect
      ),
      child.stderr.pipe(Stream.decodeText(), Stream.mkString),
      child.exitCode
    ], { concurrency: "unbounded" })
    if (exitCode !== 0) return yield* failed(exitCode, stderr)
    return Chunk.toReadonlyArray(stdout)
  }).pipe(
    Effect.scoped,
    Effect.catchTags({ BadArgument: (e) => failed(undefined, e.message), SystemError: (e) => failed(undefined, e.message) }),
    Effect.provide(executor),
    Effect.annotateLogs({ dbmate: target.database })
  )
}

const migrate = (target: Target, options: MigrateOptions) =>
  Effect.asVoid(dbmate(target, ["migrate"], { ...options, log: true }))

export interface Status {
  readonly applied: ReadonlyArray<string>
  readonly pending: ReadonlyArray<string>
}

/** `[X] 20261124000001_auth.sql` lines of `dbmate status` are the migrations applied, `[ ] …` those not yet. */
const status = (target: Target, options: MigrateOptions): Effect.Effect<Status, MigrationFailed> =>
  Effect.map(dbmate(target, ["status"], { ...options, log: false }), (lines) => {
    const marked = (mark: string) => lines.filter((line) => line.startsWith(mark)).map((line) => line.slice(mark.length).trim())
    return { applied: marked("[X] "), pending: marked("[ ] ") }
  })

const pending = (target: Target, options: MigrateOptions) => Effect.map(status(target, options), (found) => found.pending)

/** `dbmate migrate` on the PostgreSQL database at `url`; progress lines go to the log. */
export const migratePostgres = (
  url: Redacted.Redacted,
  options: MigrateOptions = {}
): Effect.Effect<void, MigrationFailed> => Effect.flatMap(postgresTarget(url), (target) => migrate(target, options))

/**
 * `dbmate migrate` on an in-process PGlite. Run it before anything else uses `db`: dbmate's transactions
 * share PGlite's one session, so concurrent queries from this process would land inside them.
 */
export const migratePglite = (db: PGlite, options: MigrateOptions = {}): Effect.Effect<void, MigrationFailed> =>
  Effect.scoped(Effect.flatMap(pgliteTarget(db), (target) => migrate(target, options)))

/** File names of the migrations not applied yet (from `dbmate status`). */
export const pendingPostgres = (
  url: Redacted.Redacted,
  options: MigrateOptions = {}
): Effect.Effect<ReadonlyArray<string>, MigrationFailed> =>
  Effect.flatMap(postgresTarget(url), (target) => pending(target, options))

/** The migrations applied and those not applied yet (from `dbmate status`), for `kingdom status`. */
export const statusPostgres = (url: Redacted.Redacted, options: MigrateOptions = {}): Effect.Effect<Status, MigrationFailed> =>
  Effect.flatMap(postgresTarget(url), (target) => status(target, options))

export const pendingPglite = (
  db: PGlite,
  options: MigrateOptions = {}
): Effect.Effect<ReadonlyArray<string>, MigrationFailed> =>
  Effect.scoped(Effect.flatMap(pgliteTarget(db), (target) => pending(target, options)))
