/**
 * A private PostgreSQL 15 cluster for one test: its own temporary data directory and free port, so the
 * test may stop it, crash it and start it again without touching the machine's shared server (other
 * tests use that one). Stopped and removed when the test's scope closes.
 *
 * initdb and postgres refuse to run as root, so under root the binaries run as the `postgres` system
 * user (runuser), in a directory handed over to it.
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import { execFile, execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { freePort } from "./FreePort.js"

const binDir = "/usr/lib/postgresql/15/bin"
/** pg_ctl's own wait (-t) for start and stop; the exec timeout is a little longer. */
const waitSeconds = 30

export class PostgresFailed extends Data.TaggedError("PostgresFailed")<{ readonly reason: string }> {
  override get message() {
    return `private PostgreSQL: ${this.reason}`
  }
}

export class PrivatePostgres extends Context.Tag("test/PrivatePostgres")<PrivatePostgres, {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication), the same across restarts. */
  readonly url: string
  /** `pg_ctl stop -m fast`: sessions are terminated, the cluster shuts down cleanly. Idempotent. */
  readonly stop: Effect.Effect<void, PostgresFailed>
  /** `pg_ctl stop -m immediate`: the postmaster quits without a checkpoint, as in a crash. Idempotent. */
  readonly crash: Effect.Effect<void, PostgresFailed>
  /** Starts it again on the same port and data (crash recovery first, after `crash`). Idempotent. */
  readonly start: Effect.Effect<void, PostgresFailed>
}>() {}

const isRoot = process.getuid?.() === 0

/** The postgres system user's uid and gid, when there is one. */
const postgresUser = (): { readonly uid: number; readonly gid: number } | undefined => {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim())
    return { uid: id("-u"), gid: id("-g") }
  } catch {
    return undefined
  }
}

/** Why this machine cannot run a private cluster, for `describe.skipIf`; undefined when it can. */
export const unavailable: string | undefined = !Fs.existsSync(Path.join(binDir, "pg_ctl"))
  ? `PostgreSQL 15 binaries not found in ${binDir}: private-cluster tests skipped`
  : isRoot && postgresUser() === undefined
  ? "running as root without a `postgres` system user to run PostgreSQL as: private-cluster tests skipped"
  : undefined

/** Runs a PostgreSQL binary (as the postgres user under root); fails with its output and the server log's tail. */
const run = (binary: string, args: ReadonlyArray<string>, logFile: string) =>
  Effect.async<void, PostgresFailed>((resume) => {
    const path = Path.join(binDir, binary)
    const [command, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, [...args]]
    const child = execFile(command, argv, { timeout: (waitSeconds + 10) * 1000 }, (error, stdout, stderr) => {
      if (error === null) return resume(Effect.void)
      const log = Fs.existsSync(logFile) ? Fs.readFileSync(logFile, "utf8").slice(-2000) : ""
      resume(Effect.fail(new PostgresFailed({ reason: `${binary} ${args.join(" ")}: ${error.message}\n${stdout}${stderr}\n${log}` })))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

export const layer: Layer.Layer<PrivatePostgres, PostgresFailed> = Layer.scoped(PrivatePostgres, Effect.gen(function*() {
  if (unavailable !== undefined) return yield* new PostgresFailed({ reason: unavailable })
  const root = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-pg-"))
      const owner = isRoot ? postgresUser() : undefined
      if (owner !== undefined) Fs.chownSync(dir, owner.uid, owner.gid)
      return dir
    }),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const dataDir = Path.join(root, "data")
  const logFile = Path.join(root, "log")
  const port = yield* freePort
  // --no-sync and fsync=off: a process crash (what `crash` simulates) keeps what the OS was handed.
  yield* run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"], logFile)

  const running = yield* Ref.make(false)
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = Effect.flatMap(Ref.get(running), (up) =>
    up ? Effect.void : run("pg_ctl", ["-D", dataDir, "-o", options, "-l", logFile, "start", "-w", "-t", String(waitSeconds)], logFile).pipe(
      Effect.zipRight(Ref.set(running, true))
    ))
  const stopWith = (mode: "fast" | "immediate") =>
    Effect.flatMap(Ref.get(running), (up) =>
      up ? run("pg_ctl", ["-D", dataDir, "stop", "-m", mode, "-w", "-t", String(waitSeconds)], logFile).pipe(
        Effect.zipRight(Ref.set(running, false))
      ) : Effect.void)
  // Released before the directory goes (reverse order of acquisition); a leftover postmaster would hold the port.
  yield* Effect.addFinalizer(() => Effect.ignore(stopWith("immediate")))
  yield* start
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: stopWith("fast"), crash: stopWith("immediate"), start }
}))
