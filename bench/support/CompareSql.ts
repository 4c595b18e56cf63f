/**
 * Whether the peers send the statements ours sends (same text, same order) for each scenario, from
 * the statement logs of RecordSql.ts: the lines a server logged while it answered one request. Our
 * event dispatcher polls in the background; its statements (event_deliveries, event_inbox) are left
 * out. Differences are reported, not fatal: our SQL may change under the peers (bench/peers/Sql.ts).
 */
import * as Fs from "node:fs"

const background = /event_deliveries|event_inbox/

/** The log's length now, to read what is appended after it. */
export const mark = (file: string): number => (Fs.existsSync(file) ? Fs.statSync(file).size : 0)

/** The statements logged since `from`, whitespace collapsed, background work left out. */
export const since = (file: string, from: number): ReadonlyArray<string> => {
  if (!Fs.existsSync(file)) return []
  const text = Fs.readFileSync(file).subarray(from).toString("utf8")
  return text.split("\n").filter((line) => line !== "").map((line) => (JSON.parse(line) as string).replace(/\s+/g, " ").trim())
    .filter((statement) => !background.test(statement))
}

export interface Parity {
  readonly scenario: string
  readonly server: string
  readonly same: boolean
  readonly ours: number
  readonly theirs: number
  /** Statements ours sent that the peer did not, and the other way round (a multiset difference). */
  readonly onlyOurs: ReadonlyArray<string>
  readonly onlyTheirs: ReadonlyArray<string>
}

const minus = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => {
  const left = [...b]
  return a.filter((item) => {
    const i = left.indexOf(item)
    if (i === -1) return true
    left.splice(i, 1)
    return false
  })
}

export const compare = (scenario: string, server: string, ours: ReadonlyArray<string>, theirs: ReadonlyArray<string>): Parity => ({
  scenario,
  server,
  same: ours.length === theirs.length && ours.every((statement, i) => statement === theirs[i]),
  ours: ours.length,
  theirs: theirs.length,
  onlyOurs: minus(ours, theirs),
  onlyTheirs: minus(theirs, ours)
})

const short = (statement: string) => (statement.length > 140 ? `${statement.slice(0, 140)}…` : statement)

export const describe = (parity: Parity): string =>
  parity.same
    ? `${parity.server}: the same ${parity.ours} statements`
    : `${parity.server}: ${parity.theirs} statements against our ${parity.ours}` +
      (parity.onlyOurs.length > 0 ? `; only ours: ${parity.onlyOurs.map(short).join(" | ")}` : "") +
      (parity.onlyTheirs.length > 0 ? `; only theirs: ${parity.onlyTheirs.map(short).join(" | ")}` : "") +
      (parity.onlyOurs.length === 0 && parity.onlyTheirs.length === 0 ? " (same statements, another order)" : "")
