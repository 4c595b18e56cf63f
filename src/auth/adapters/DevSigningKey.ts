/**
 * The signing key of development and tests when none is configured: an Ed25519 key generated on
 * first start and kept in the data directory, so tokens survive restarts and /.well-known/jwks.json
 * serves a real key, without anyone having to make one. Production never falls back to it.
 */
import { Effect } from "effect"
import { generateKeyPairSync } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as DataDirPermissions from "../../database/DataDirPermissions.js"

export const fileName = "jwt-signing-key.pem"

const generate = () => generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString()

/**
 * Reads the kept key, or creates it (owner-only) if this is the first start; a racing start reads the
 * winner's. Fails with a message naming the file.
 */
export const keep = (dataDir: string): Effect.Effect<{ readonly file: string; readonly pem: string }, string> =>
  Effect.try({
    try: () => {
      const file = Path.join(Path.resolve(dataDir), fileName)
      Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: DataDirPermissions.directoryMode })
      // Written aside, then linked into place: link fails if the key exists, and a racing reader
      // never sees a half-written file.
      const draft = `${file}.${process.pid}.tmp`
      Fs.writeFileSync(draft, generate(), { mode: DataDirPermissions.fileMode })
      try {
        Fs.linkSync(draft, file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      } finally {
        Fs.rmSync(draft, { force: true })
      }
      return { file, pem: Fs.readFileSync(file, "utf8") }
    },
    catch: (error) => `cannot read or create the development key in ${dataDir}: ${String(error)}`
  })
