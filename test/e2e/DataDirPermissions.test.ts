/**
 * Issue 15 (5), on the real server process with its embedded database: DATA_DIR (PGlite's files, the
 * lock, the development signing key) is owner-only — directories 0700, files 0600 — whatever the umask,
 * while the server runs and after it stops; a directory found open to others is restricted at start
 * with a warning, or, when this process cannot (not its owner), the start is refused in one line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as DevSigningKey from "../../src/auth/adapters/DevSigningKey.js"
import * as DataDirLock from "../../src/database/DataDirLock.js"
import { freePort } from "../support/FreePort.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import { suiteName } from "../support/Skips.js"
import { admin, adminToken, TestServer } from "../support/TestServer.js"

const projectRoot = fileURLToPath(new URL("../..", import.meta.url))

const temporaryDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-perms-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Every entry under `root` (itself included) whose mode is not 0700 for a directory, 0600 otherwise. */
const notOwnerOnly = (root: string): Array<string> => {
  const found: Array<string> = []
  const visit = (path: string) => {
    const stats = Fs.lstatSync(path)
    const mode = stats.mode & 0o777
    if (mode !== (stats.isDirectory() ? 0o700 : 0o600)) found.push(`${mode.toString(8)} ${path}`)
    if (stats.isDirectory()) for (const name of Fs.readdirSync(path)) visit(Path.join(path, name))
  }
  visit(root)
  return found
}

/** Starts the server on `dataDir` under `umask` for the scope; TestServer's helpers reach it. */
const start = (dataDir: string, umask: number) =>
  Effect.map(
    Layer.build(ServerProcessLayer.layer({ drainTimeout: "5 seconds", dataDir, umask })),
    (context) => Context.add(context, TestServer, { baseUrl: Context.get(context, ServerProcess).baseUrl })
  )

/**
 * Signs in (a session row and the password check go through PGlite), checks the directory again, then
 * stops the server with SIGTERM.
 */
const useThenStop = (dataDir: string) => Effect.gen(function*() {
  yield* adminToken
  expect(notOwnerOnly(dataDir)).toEqual([])
  const server = yield* ServerProcess
  yield* server.signal("SIGTERM")
  const exit = yield* server.exited.pipe(Effect.timeoutFail({ duration: Duration.seconds(30), onTimeout: () => new Error("the server did not exit") }))
  expect(exit.code, yield* server.output).toBe(0)
})

const expectOwnerOnly = (dataDir: string) => {
  expect(notOwnerOnly(dataDir)).toEqual([])
  // What is checked is really there.
  for (const name of ["pgdata", DataDirLock.lockFileName, DevSigningKey.fileName]) expect(Fs.existsSync(Path.join(dataDir, name)), name).toBe(true)
}

describe("the data directory's permissions, on the server process", () => {
  it.scopedLive("one the server creates under umask 000 is owner-only while it runs and after it stops", () =>
    Effect.gen(function*() {
      const dataDir = Path.join(yield* temporaryDir, "data")
      const server = yield* start(dataDir, 0o000)
      expectOwnerOnly(dataDir)
      yield* Effect.provide(useThenStop(dataDir), server)
      expect(notOwnerOnly(dataDir)).toEqual([])
    }), 180_000)

  it.scopedLive("one found open to others is restricted at start (umask 022), with a warning saying so", () =>
    Effect.gen(function*() {
      const dataDir = Path.join(yield* temporaryDir, "data")
      // As a careless copy leaves it: the directory and a kept key readable by everyone.
      Fs.mkdirSync(Path.join(dataDir, "notes"), { recursive: true })
      Fs.writeFileSync(Path.join(dataDir, "notes", "todo.txt"), "")
      Fs.writeFileSync(Path.join(dataDir, DevSigningKey.fileName), generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }))
      for (const path of [dataDir, Path.join(dataDir, "notes")]) Fs.chmodSync(path, 0o777)
      for (const path of [Path.join(dataDir, "notes", "todo.txt"), Path.join(dataDir, DevSigningKey.fileName)]) Fs.chmodSync(path, 0o666)
      const server = yield* start(dataDir, 0o022)
      expectOwnerOnly(dataDir)
      const output = yield* Effect.flatMap(Effect.provide(ServerProcess, server), (process) => process.output)
      expect(output).toContain(`DATA_DIR ${dataDir} was open to other users: restricted 4 entries to its owner (directories 0700, files 0600)`)
      yield* Effect.provide(useThenStop(dataDir), server)
      expect(notOwnerOnly(dataDir)).toEqual([])
    }), 180_000)

  // Only root can hand the server a directory it does not own (it runs as nobody here); CI runs as root.
  const root = process.getuid?.() === 0
  const notRoot = root ? undefined : "needs root, to hand the server a directory it does not own"
  it.scopedLive.skipIf(!root)(suiteName("one this process cannot restrict (not its owner) refuses the start in one line saying what to run", notRoot), () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDir
      Fs.chmodSync(dataDir, 0o755)
      const port = yield* freePort
      const env = {
        PATH: process.env["PATH"] ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATA_DIR: dataDir,
        ADMIN_ACCESS_KEY: admin.accessKey,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        // Not the development key, which would be written to DATA_DIR first.
        JWT_SECRET: "a-secret-of-at-least-thirty-two-characters-for-hs256"
      }
      const run = yield* Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
        const child = spawn("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", "src/main.ts"], {
          cwd: projectRoot,
          env,
          stdio: ["ignore", "pipe", "pipe"]
        })
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
        child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
        child.once("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
        return Effect.sync(() => void child.kill("SIGKILL"))
      })
      expect(run.code, run.stdout + run.stderr).toBe(1)
      expect(run.stderr.trim()).toBe(
        `kingdom-server cannot start: The data directory ${dataDir} must be private to its owner, but ${dataDir} is 0755 ` +
          `and cannot be restricted (this process is not its owner). Run as its owner: chmod -R go-rwx ${dataDir}`
      )
      expect(Fs.readdirSync(dataDir)).toEqual([])
    }), 120_000)
})
