/**
 * DATA_DIR holds secrets at rest: PGlite's files (its WAL holds password hashes), the generated signing
 * key, the lock. Only its owner may reach them: directories 0700, files 0600, whatever the umask.
 * What the server writes itself it creates so; what PGlite writes is restricted after it (PgliteClient.ts).
 */
import { Data, Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** DATA_DIR is, or may be, open to other users, and this process cannot make it private. */
export class DataDirUnsafe extends Data.TaggedError("DataDirUnsafe")<{
  readonly dataDir: string
  readonly message: string
}> {}

export const directoryMode = 0o700
export const fileMode = 0o600

/** Anything group or others may do. */
const isOpen = (mode: number) => (mode & 0o077) !== 0

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

/** Quoted for a shell only when it needs to be, so the advice can be pasted. */
const shellWord = (text: string) => /^[\w./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code

interface Entry {
  readonly path: string
  readonly mode: number
  readonly directory: boolean
}

/**
 * The entries under `root` (itself included) that group or others may use. Symbolic links inside are
 * neither followed nor changed: chmod would change their target, which may lie outside.
 */
const openEntries = (root: string): Array<Entry> => {
  const found: Array<Entry> = []
  const visit = (path: string, stats: Fs.Stats) => {
    if (isOpen(stats.mode)) found.push({ path, mode: stats.mode, directory: stats.isDirectory() })
    if (!stats.isDirectory()) return
    for (const name of Fs.readdirSync(path)) {
      const child = Path.join(path, name)
      try {
        const childStats = Fs.lstatSync(child)
        if (!childStats.isSymbolicLink()) visit(child, childStats)
      } catch (error) {
        // Removed while we looked: nothing left to restrict.
        if (codeOf(error) !== "ENOENT") throw error
      }
    }
  }
  visit(root, Fs.statSync(root))
  return found
}

const unsafe = (dataDir: string, problem: string) =>
  new DataDirUnsafe({ dataDir, message: `The data directory ${dataDir} must be private to its owner, but ${problem}` })

const exposed = (dataDir: string, entry: Entry, reason: string) =>
  unsafe(dataDir, `${entry.path} is ${octal(entry.mode)} and cannot be restricted (${reason}). Run as its owner: chmod -R go-rwx ${shellWord(dataDir)}`)

/**
 * Makes every entry under `root` owner-only (directories 0700, files 0600); answers how many were not.
 * Fails, naming the first entry it could not change (this process is not its owner, say).
 */
export const restrict = (root: string): Effect.Effect<number, DataDirUnsafe> =>
  Effect.suspend(() => {
    let entries: Array<Entry>
    try {
      entries = openEntries(root)
    } catch (error) {
      return Effect.fail(unsafe(root, `it cannot be inspected (${codeOf(error) ?? String(error)})`))
    }
    for (const entry of entries) {
      try {
        Fs.chmodSync(entry.path, entry.directory ? directoryMode : fileMode)
      } catch (error) {
        if (codeOf(error) === "ENOENT") continue
        const reason = codeOf(error) === "EPERM" ? "this process is not its owner" : codeOf(error) ?? String(error)
        return Effect.fail(exposed(root, entry, reason))
      }
    }
    return Effect.succeed(entries.length)
  })

/**
 * Before anything is written to DATA_DIR: creates it owner-only if missing, or restricts one found
 * open to others, with a warning (its files may have been read meanwhile).
 */
export const secure = (dataDir: string): Effect.Effect<void, DataDirUnsafe> => {
  const root = Path.resolve(dataDir)
  return Effect.suspend(() => {
    try {
      Fs.mkdirSync(root, { recursive: true, mode: directoryMode })
    } catch (error) {
      return Effect.fail(unsafe(root, `it cannot be created (${codeOf(error) ?? String(error)})`))
    }
    return Effect.flatMap(restrict(root), (restricted) =>
      restricted === 0 ? Effect.void : Effect.logWarning(
        `DATA_DIR ${root} was open to other users: restricted ${restricted} entries to its owner ` +
          `(directories ${octal(directoryMode)}, files ${octal(fileMode)})`
      ))
  })
}
