/**
 * One server per data directory. PGlite takes no lock on its files, and two processes writing the same
 * PostgreSQL data directory corrupt it, so the server holds `kingdom.lock` (its PID inside) while it runs.
 */
import { Data, Effect, type Scope } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as DataDirPermissions from "./DataDirPermissions.js"

export class DataDirLocked extends Data.TaggedError("DataDirLocked")<{
  readonly dataDir: string
  /** Undefined when the lock file is unreadable (e.g. empty because its writer died mid-write). */
  readonly pid: number | undefined
}> {
  override get message(): string {
    const holder = this.pid === undefined ? "another process" : `process ${this.pid}`
    return `The data directory ${this.dataDir} is in use by ${holder}. ` +
      `Stop that server, or start this one with another DATA_DIR. ` +
      `If no server is running, delete ${lockPath(this.dataDir)}.`
  }
}

export const lockFileName = "kingdom.lock"

const lockPath = (dataDir: string) => Path.join(dataDir, lockFileName)

type LockFile = { readonly exists: false } | { readonly exists: true; readonly pid: number | undefined }

const readLock = (file: string): LockFile => {
  try {
    const pid = Number.parseInt(Fs.readFileSync(file, "utf8").trim(), 10)
    return { exists: true, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { exists: false }
    throw error
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return (error as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

/** Creates the lock file only if there is none; false when there already is one. */
const tryCreate = (file: string): boolean => {
  try {
    Fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: DataDirPermissions.fileMode })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false
    throw error
  }
}

/**
 * Directories held by this process. A lock file naming our own PID that is not in here was left by an
 * earlier process that happened to have the same PID: typically PID 1 in a container restarted after a crash.
 */
const heldHere = new Set<string>()

const isHeld = (pid: number, dataDir: string): boolean => pid === process.pid ? heldHere.has(dataDir) : isAlive(pid)

const take = (dataDir: string): Effect.Effect<void, DataDirLocked> =>
  Effect.suspend(() => {
    Fs.mkdirSync(dataDir, { recursive: true, mode: DataDirPermissions.directoryMode })
    const file = lockPath(dataDir)
    if (tryCreate(file)) return Effect.void
    const lock = readLock(file)
    // Released between our create and our read: one more try, and whoever wins the create has it.
    if (!lock.exists) return tryCreate(file) ? Effect.void : locked(dataDir, file)
    if (lock.pid === undefined || isHeld(lock.pid, dataDir)) return Effect.fail(new DataDirLocked({ dataDir, pid: lock.pid }))
    // The holder died without cleaning up. Re-read just before unlinking to narrow the window in which
    // another starting process replaces it; if one wins the race, our exclusive create fails.
    const again = readLock(file)
    if (again.exists && again.pid === lock.pid) Fs.rmSync(file, { force: true })
    return tryCreate(file) ? Effect.void : locked(dataDir, file)
  }).pipe(Effect.tap(() => heldHere.add(dataDir)))

const locked = (dataDir: string, file: string): Effect.Effect<never, DataDirLocked> =>
  Effect.sync(() => readLock(file)).pipe(
    Effect.flatMap((lock) => new DataDirLocked({ dataDir, pid: lock.exists ? lock.pid : undefined }))
  )

const release = (dataDir: string): Effect.Effect<void> =>
  Effect.sync(() => {
    heldHere.delete(dataDir)
    const file = lockPath(dataDir)
    const lock = readLock(file)
    // Never remove a lock that is no longer ours (e.g. deleted by hand and taken by another server).
    if (lock.exists && lock.pid === process.pid) Fs.rmSync(file, { force: true })
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logWarning(`Could not release ${lockPath(dataDir)}`, cause))
  )

/** Holds the data directory (created if missing) until the scope closes. */
export const acquire = (dataDir: string): Effect.Effect<void, DataDirLocked, Scope.Scope> => {
  const absolute = Path.resolve(dataDir)
  return Effect.acquireRelease(take(absolute), () => release(absolute))
}
