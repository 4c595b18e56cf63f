/**
 * A private nats-server with JetStream for one test: its own free port and a temporary store
 * directory, so tests never touch a shared broker and may stop and restart it (JetStream state
 * survives, being on disk). Killed and its directory removed when the test's scope closes. Without
 * the binary, suites skip with `unavailable` as their reason:
 *
 *   describe.skipIf(NatsServer.unavailable !== undefined)(suiteName("…", NatsServer.unavailable), () => …)
 */
import { Context, Data, Duration, Effect, Layer, Ref } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const executable = (file: string) => {
  try {
    Fs.accessSync(file, Fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Debian's package installs it outside a normal user's PATH. (PATH is about the machine, not the server.) */
const binary: string | undefined = ["/usr/sbin", ...(process.env["PATH"] ?? "").split(Path.delimiter)]
  .filter((dir) => dir !== "")
  .map((dir) => Path.join(dir, "nats-server"))
  .find(executable)

/** Why NATS tests cannot run here; undefined when they can. */
export const unavailable: string | undefined = binary === undefined
  ? "nats-server not found on PATH or in /usr/sbin (apt-get install nats-server, or nix develop)"
  : undefined
const readyTimeout = Duration.seconds(10)
const stopTimeout = Duration.seconds(10)

export class NatsServerFailed extends Data.TaggedError("NatsServerFailed")<{ readonly reason: string }> {
  override get message() {
    return `nats-server: ${this.reason}`
  }
}

export class TestNats extends Context.Tag("test/TestNats")<TestNats, {
  /** nats://127.0.0.1:<port>, the same across restarts. */
  readonly url: string
  /** SIGTERM, then waits until the process has exited (SIGKILL after 10 s). Idempotent. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port and store; succeeds once it accepts clients. Idempotent. */
  readonly start: Effect.Effect<void, NatsServerFailed>
}>() {}

const freePort = Effect.async<number>((resume) => {
  const probe = Net.createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as Net.AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** Spawns the server and waits for its "Server is ready" line (JetStream is up by then). */
const launch = (port: number, storeDir: string) =>
  Effect.async<ChildProcess, NatsServerFailed>((resume) => {
    if (binary === undefined) return resume(Effect.fail(new NatsServerFailed({ reason: unavailable! })))
    const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], { stdio: ["ignore", "ignore", "pipe"] })
    let output = ""
    const fail = (reason: string) => resume(Effect.fail(new NatsServerFailed({ reason: `${reason}\n${output}` })))
    // Always read stderr: a full pipe would block the server.
    child.stderr!.on("data", (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString()
      if (output.includes("Server is ready")) resume(Effect.succeed(child))
    })
    child.once("error", (error) => fail(`cannot run ${binary}: ${error.message}`))
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before it was ready`))
    // Interrupted (timed out) before it was ready: do not leave it running.
    return Effect.sync(() => child.kill("SIGKILL"))
  }).pipe(
    Effect.timeoutFail({ duration: readyTimeout, onTimeout: () => new NatsServerFailed({ reason: `not ready within ${Duration.format(readyTimeout)}` }) })
  )

const terminate = (child: ChildProcess) =>
  Effect.sync(() => child.kill("SIGTERM")).pipe(
    Effect.zipRight(exited(child).pipe(Effect.timeout(stopTimeout))),
    Effect.catchAll(() => Effect.sync(() => child.kill("SIGKILL")).pipe(Effect.zipRight(exited(child))))
  )

export const layer: Layer.Layer<TestNats, NatsServerFailed> = Layer.scoped(TestNats, Effect.gen(function*() {
  const storeDir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-nats-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const port = yield* freePort
  const running = yield* Ref.make<ChildProcess | undefined>(undefined)
  const stop = Effect.flatMap(Ref.getAndSet(running, undefined), (child) => (child === undefined ? Effect.void : terminate(child)))
  // Released before the store directory (reverse order of acquisition).
  yield* Effect.addFinalizer(() => stop)
  const start = Effect.flatMap(Ref.get(running), (child) =>
    child !== undefined ? Effect.void : Effect.flatMap(launch(port, storeDir), (started) => Ref.set(running, started))
  )
  yield* start
  return { url: `nats://127.0.0.1:${port}`, stop, start }
}))
