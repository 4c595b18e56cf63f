/**
 * DataDirPermissions on real directories: what it restricts, what it leaves alone (a symbolic link's
 * target may lie outside DATA_DIR), and the one line it fails with. The server process's side is in
 * test/e2e/DataDirPermissions.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as DataDirPermissions from "../../src/database/DataDirPermissions.js"

const temporaryDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-perms-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const modeOf = (path: string) => Fs.lstatSync(path).mode & 0o777

describe("DataDirPermissions", () => {
  it.scoped("creates a missing directory owner-only", () =>
    Effect.gen(function*() {
      const dataDir = Path.join(yield* temporaryDir, "a", "b")
      yield* DataDirPermissions.secure(dataDir)
      expect(modeOf(dataDir)).toBe(0o700)
    }))

  it.scoped("restricts every directory to 0700 and file to 0600, not following symbolic links", () =>
    Effect.gen(function*() {
      const root = yield* temporaryDir
      const dataDir = Path.join(root, "data")
      const outside = Path.join(root, "outside.txt")
      Fs.mkdirSync(Path.join(dataDir, "sub"), { recursive: true, mode: 0o755 })
      Fs.writeFileSync(Path.join(dataDir, "sub", "file"), "", { mode: 0o644 })
      Fs.writeFileSync(Path.join(dataDir, "private"), "", { mode: 0o600 })
      Fs.writeFileSync(outside, "", { mode: 0o644 })
      Fs.symlinkSync(outside, Path.join(dataDir, "link"))
      Fs.chmodSync(dataDir, 0o777)
      expect(yield* DataDirPermissions.restrict(dataDir)).toBe(3)
      expect([dataDir, Path.join(dataDir, "sub"), Path.join(dataDir, "sub", "file"), Path.join(dataDir, "private")].map(modeOf)).toEqual([0o700, 0o700, 0o600, 0o600])
      expect(modeOf(outside)).toBe(0o644)
      expect(yield* DataDirPermissions.restrict(dataDir)).toBe(0)
    }))
})
