/**
 * Loaded with `node --import` into a server process of the comparison (PostgreSQL phase) when
 * BENCH_SQL_LOG names a file: appends the text of every statement node-postgres sends, one JSON string
 * a line, until the process gets SIGUSR2. The benchmark reads it to check that the peers send the
 * statements ours sends (CompareSql.ts). Ours and the peers load the same `pg`, so one patch fits all.
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"

const file = process.env["BENCH_SQL_LOG"]
if (file !== undefined && file !== "") {
  const pg = createRequire(import.meta.url)("pg") as { Client: { prototype: { query: (...args: Array<unknown>) => unknown } } }
  const query = pg.Client.prototype.query
  let recording = true
  process.on("SIGUSR2", () => void (recording = false))
  pg.Client.prototype.query = function(this: unknown, ...args: Array<unknown>) {
    if (recording) {
      const [config] = args
      const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text
      if (typeof text === "string") Fs.appendFileSync(file, `${JSON.stringify(text)}\n`)
    }
    return query.apply(this, args)
  }
}
