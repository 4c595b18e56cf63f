/**
 * The comparison's servers, each a process of its own on a free 127.0.0.1 port: ours exactly as
 * `npm start` runs it (`node --import tsx src/main.ts`, production settings), and the peers of
 * bench/peers/. Output goes to a log file (a pipe would put the reading in the benchmark's process,
 * and per-request access logs are part of our server's production cost); its tail explains failures.
 * Stopped with SIGTERM, then SIGKILL after a grace period, when the scope closes.
 */
import { Data, Duration, Effect, Schedule, type Scope } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const serverNames = ["ours", "mercurius", "yoga", "bare", "ceiling"] as const
export type ServerName = (typeof serverNames)[number]

export const titles: Record<ServerName, string> = {
  ours: "kingdom-server",
  mercurius: "Mercurius + graphql-jit",
  yoga: "graphql-yoga",
  bare: "node:http + graphql-js (floor)",
  ceiling: "fixed response (ceiling)"
}

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url))
const entries: Record<ServerName, string> = {
  ours: "src/main.ts",
  mercurius: "bench/peers/Mercurius.ts",
  yoga: "bench/peers/Yoga.ts",
  bare: "bench/peers/Bare.ts",
  ceiling: "bench/peers/Ceiling.ts"
}
/** PGlite's start (ours also migrates) takes seconds; more on a loaded machine. */
const readyTimeout = Duration.seconds(90)
/** Ours drains (DRAIN_TIMEOUT) and a profiling Node writes its profile on the way out. */
const stopGrace = Duration.seconds(20)

export class ServerFailed extends Data.TaggedError("ServerFailed")<{ readonly server: ServerName; readonly reason: string }> {
  override get message() {
    return `${this.server} server: ${this.reason}`
  }
}

export interface Running {
  readonly name: ServerName
  /** The GraphQL endpoint. */
  readonly url: string
  readonly pid: number
  /** Resident memory now, in MiB (Linux /proc); undefined elsewhere or once it has exited. */
  readonly rssMiB: () => number | undefined
  /** The end of its log, for failure messages. */
  readonly logTail: () => string
}

export const freePort: Effect.Effect<number> = Effect.async((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const rssOf = (pid: number) => () => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) / 1024
  } catch {
    return undefined
  }
}

const tailOf = (file: string) => () => {
  try {
    const text = Fs.readFileSync(file, "utf8")
    return text.slice(-3000)
  } catch {
    return ""
  }
}

/** A POST of `{ __typename }` answered 200: the server listens and its GraphQL route works. */
const answers = (url: string) =>
  Effect.tryPromise(() =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) })
  ).pipe(Effect.filterOrFail((response) => response.status === 200))

/**
 * Starts `name` with `env` (its whole environment besides PATH and HOME, plus HOST and PORT) and waits
 * until it answers. `logDir` receives `<name>.log`. SIGTERM lets Node write a --cpu-prof profile.
 */
export const start = (
  name: ServerName,
  env: Readonly<Record<string, string>>,
  logDir: string,
  /** Extra node options, after tsx's loader (so they may `--import` TypeScript), e.g. --cpu-prof. */
  nodeOptions: ReadonlyArray<string> = []
): Effect.Effect<Running, ServerFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    const logFile = Path.join(logDir, `${name}.log`)
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const log = Fs.openSync(logFile, "a")
        const started = spawn(process.execPath, ["--import", "tsx", ...nodeOptions, entries[name]], {
          cwd: repositoryRoot,
          env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env, HOST: "127.0.0.1", PORT: String(port) },
          stdio: ["ignore", log, log]
        })
        Fs.closeSync(log)
        return started
      }),
      (started) =>
        Effect.async<void>((resume) => {
          if (started.exitCode !== null || started.signalCode !== null) return resume(Effect.void)
          const kill = setTimeout(() => started.kill("SIGKILL"), Duration.toMillis(stopGrace))
          started.once("exit", () => {
            clearTimeout(kill)
            resume(Effect.void)
          })
          started.kill("SIGTERM")
        })
    )
    const url = `http://127.0.0.1:${port}/graphql`
    const logTail = tailOf(logFile)
    yield* answers(url).pipe(
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.whileOutput(() => child.exitCode === null && child.signalCode === null))),
      Effect.timeoutFail({ duration: readyTimeout, onTimeout: () => undefined }),
      Effect.mapError(() =>
        new ServerFailed({
          server: name,
          reason: child.exitCode !== null || child.signalCode !== null
            ? `exited (${child.signalCode ?? child.exitCode}) before answering; its log ends:\n${logTail()}`
            : `did not answer within ${Duration.format(readyTimeout)}; its log ends:\n${logTail()}`
        })
      )
    )
    return { name, url, pid: child.pid!, rssMiB: rssOf(child.pid!), logTail }
  })
