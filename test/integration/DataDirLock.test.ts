import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { execFile, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as DataDirLock from "../../src/database/DataDirLock.js"

/** A data directory path (not yet created) under a temporary folder removed after the test. */
const freshDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-lock-"))),
  (root) => Effect.sync(() => Fs.rmSync(root, { recursive: true, force: true }))
).pipe(Effect.map((root) => Path.join(root, "data")))
const lockFile = (dir: string) => Path.join(dir, DataDirLock.lockFileName)

/** Another Node process (TypeScript through tsx) that tries to take the lock and reports how it went. */
const acquireInAnotherProcess = (dataDir: string) =>
  Effect.async<{ readonly code: number | null; readonly stderr: string }>((resume) => {
    const module = fileURLToPath(new URL("../../src/database/DataDirLock.ts", import.meta.url))
    const script = `
      import { Effect } from "effect"
      import * as DataDirLock from ${JSON.stringify(module)}
      Effect.runPromise(Effect.scoped(DataDirLock.acquire(${JSON.stringify(dataDir)}))).then(
        () => process.exit(0),
        (error) => { console.error(error.message); process.exit(3) })`
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], (error, _stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : (typeof error.code === "number" ? error.code : null), stderr })))
  })

describe("DataDirLock", () => {
  it.scoped("creates the directory and refuses a second holder until the first releases", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      const scope = yield* Scope.make()
      yield* Scope.extend(DataDirLock.acquire(dir), scope)
      expect(Fs.readFileSync(lockFile(dir), "utf8").trim()).toBe(String(process.pid))

      const error = yield* Effect.flip(Effect.scoped(DataDirLock.acquire(dir)))
      expect(error._tag).toBe("DataDirLocked")
      expect(error.pid).toBe(process.pid)
      expect(error.message).toContain(Path.resolve(dir))
      expect(error.message).toContain(`process ${process.pid}`)
      expect(error.message).toContain("DATA_DIR")

      yield* Scope.close(scope, Exit.void)
      expect(Fs.existsSync(lockFile(dir))).toBe(false)
      yield* Effect.scoped(DataDirLock.acquire(dir))
    }))

  it.scoped("takes over a lock left by a process that has died", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!
      Fs.mkdirSync(dir, { recursive: true })
      Fs.writeFileSync(lockFile(dir), `${deadPid}\n`)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* DataDirLock.acquire(dir)
        expect(Fs.readFileSync(lockFile(dir), "utf8").trim()).toBe(String(process.pid))
      }))
      expect(Fs.existsSync(lockFile(dir))).toBe(false)
    }))

  it.scoped("takes over a lock with its own PID that it does not hold (PID 1 in a restarted container)", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      Fs.mkdirSync(dir, { recursive: true })
      Fs.writeFileSync(lockFile(dir), `${process.pid}\n`)
      yield* Effect.scoped(DataDirLock.acquire(dir))
      expect(Fs.existsSync(lockFile(dir))).toBe(false)
    }))

  it.scoped("does not remove a lock it no longer holds", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      yield* Effect.scoped(Effect.gen(function*() {
        yield* DataDirLock.acquire(dir)
        // Deleted by hand and taken by another server meanwhile.
        Fs.writeFileSync(lockFile(dir), "1\n")
      }))
      expect(Fs.readFileSync(lockFile(dir), "utf8").trim()).toBe("1")
    }))

  it.scoped("an unreadable lock file counts as held", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      Fs.mkdirSync(dir, { recursive: true })
      Fs.writeFileSync(lockFile(dir), "")
      const error = yield* Effect.flip(Effect.scoped(DataDirLock.acquire(dir)))
      expect(error.pid).toBeUndefined()
      expect(error.message).toContain(lockFile(Path.resolve(dir)))
    }))

  it.scoped("a second server process on the same directory gets a clear error", () =>
    Effect.gen(function*() {
      const dir = yield* freshDir
      const held = yield* Effect.scoped(Effect.gen(function*() {
        yield* DataDirLock.acquire(dir)
        return yield* acquireInAnotherProcess(dir)
      }))
      expect(held.code).toBe(3)
      expect(held.stderr).toContain(`is in use by process ${process.pid}`)
      const free = yield* acquireInAnotherProcess(dir)
      expect(free).toEqual({ code: 0, stderr: "" })
    }))
})
