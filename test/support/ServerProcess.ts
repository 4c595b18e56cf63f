/**
 * The real server as its own process (`node --import tsx src/main.ts`, as `npm start` runs it), on a
 * free port and an embedded database in a temporary DATA_DIR, for tests about the process itself:
 * signals, exit codes, what it does with connections on the way out. Killed (SIGKILL) if still running
 * when the test's scope closes, and its directory removed.
 */
import { Context, Data, Duration, Effect, Layer, Schedule } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "./FreePort.js"
import { admin } from "./TestServer.js"

const projectRoot = fileURLToPath(new URL("../..", import.meta.url))
/** PGlite's start and the migrations take a few seconds; more on a loaded machine. */
const readyTimeout = Duration.seconds(120)

export class ServerProcessFailed extends Data.TaggedError("ServerProcessFailed")<{ readonly reason: string }> {
  override get message() {
    return `server process: ${this.reason}`
  }
}

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Date.now() when the process was seen to exit. */
  readonly at: number
}

export class ServerProcess extends Context.Tag("test/ServerProcess")<ServerProcess, {
  readonly baseUrl: string
  readonly port: number
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Waits for the process to exit. */
  readonly exited: Effect.Effect<Exited>
  /** What it wrote to stdout and stderr so far (the first 5 MB), for failure messages and log checks. */
  readonly output: Effect.Effect<string>
}>() {}

export interface ServerProcessOptions {
  /** DRAIN_TIMEOUT, in Effect's duration syntax ("3 seconds"). */
  readonly drainTimeout: string
  /** An existing DATA_DIR to serve, left in place afterwards; default: a fresh temporary one. */
  readonly dataDir?: string
  /** Variables to add or override (NODE_ENV, LOG_LEVEL, secrets…). */
  readonly env?: Readonly<Record<string, string>>
  /** The umask it starts with (0o022, 0o000…); default: this process's. */
  readonly umask?: number
}

/** Runs `start` (a synchronous spawn) under `umask`: the child inherits it, and nothing else runs meanwhile. */
const underUmask = <A>(umask: number | undefined, start: () => A): A => {
  if (umask === undefined) return start()
  const previous = process.umask(umask)
  try {
    return start()
  } finally {
    process.umask(previous)
  }
}

const exitOf = (child: ChildProcess) =>
  Effect.async<Exited>((resume) => {
    const done = () => resume(Effect.succeed({ code: child.exitCode, signal: child.signalCode, at: Date.now() }))
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once("exit", done)
  })

export const layer = (options: ServerProcessOptions): Layer.Layer<ServerProcess, ServerProcessFailed> =>
  Layer.scoped(ServerProcess, Effect.gen(function*() {
    const dataDir = options.dataDir ?? (yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-process-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    ))
    const port = yield* freePort
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        // A whole environment of its own: an inherited DATABASE_URL or NATS_URL would change what is tested.
        const env = {
          NODE_ENV: "test",
          HOST: "127.0.0.1",
          PORT: String(port),
          DATA_DIR: dataDir,
          ADMIN_ACCESS_KEY: admin.accessKey,
          ADMIN_EMAIL: admin.email,
          ADMIN_PASSWORD: admin.password,
          DRAIN_TIMEOUT: options.drainTimeout,
          LOG_LEVEL: "Warn",
          ...options.env
        }
        const started = underUmask(options.umask, () =>
          spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] }))
        // Always read both pipes: a full pipe would block the server.
        const keep = (chunk: Buffer) => {
          if (output.length < 5_000_000) output += chunk.toString()
        }
        started.stdout!.on("data", keep)
        started.stderr!.on("data", keep)
        return started
      }),
      (started) => Effect.sync(() => started.kill("SIGKILL")).pipe(Effect.zipRight(exitOf(started)))
    )
    const baseUrl = `http://127.0.0.1:${port}`
    // Each probe is bounded: one unanswered request must not stall the wait for the others.
    const healthy = Effect.tryPromise(() => fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).pipe(
      Effect.filterOrFail((response) => response.status === 200),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.whileOutput(() => child.exitCode === null)))
    )
    yield* healthy.pipe(
      Effect.timeoutFail({ duration: readyTimeout, onTimeout: () => undefined }),
      Effect.mapError(() =>
        new ServerProcessFailed({
          reason: `${child.exitCode === null ? `not healthy within ${Duration.format(readyTimeout)}` : `exited (${child.exitCode})`}:\n${output}`
        })
      )
    )
    return {
      baseUrl,
      port,
      signal: (signal) => Effect.sync(() => void child.kill(signal)),
      exited: exitOf(child),
      output: Effect.sync(() => output)
    }
  }))
