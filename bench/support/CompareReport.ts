/**
 * The comparison's numbers: one cell per scenario × database × server (the median of its rounds),
 * our ratio to each peer, the targets checked against them, and the table in text and Markdown.
 */
import type { RunResult } from "./CompareLoad.js"
import type { ScenarioName } from "./CompareScenarios.js"
import { titles as scenarioTitles } from "./CompareScenarios.js"
import type { ServerName } from "./CompareServers.js"
import { titles as serverTitles } from "./CompareServers.js"

export type DatabaseName = "pg" | "pglite"
export const databaseTitles: Record<DatabaseName, string> = { pg: "PostgreSQL", pglite: "PGlite" }

export interface Cell {
  readonly scenario: ScenarioName
  /** The phase it was measured in; the ceiling uses no database but runs in the first phase's rounds. */
  readonly database: DatabaseName
  readonly server: ServerName
  readonly rounds: ReadonlyArray<RunResult>
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
  readonly sampleError: string | undefined
}

/** Of the finite values (a run without a single answer has no latency; JSON makes its NaN null). */
const median = (values: ReadonlyArray<number | null>) => {
  const sorted = values.filter((v): v is number => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const errorsOf = (result: RunResult) => result.errors.socket + result.errors.timeouts + result.errors.non2xx + result.errors.graphql

export const cell = (scenario: ScenarioName, database: DatabaseName, server: ServerName, rounds: ReadonlyArray<RunResult>): Cell => ({
  scenario,
  database,
  server,
  rounds,
  requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
  p50Ms: median(rounds.map((r) => r.p50Ms)),
  p99Ms: median(rounds.map((r) => r.p99Ms)),
  errors: rounds.reduce((sum, r) => sum + errorsOf(r), 0),
  sampleError: rounds.find((r) => r.sampleError !== undefined)?.sampleError
})

export { median }

const find = (cells: ReadonlyArray<Cell>, scenario: ScenarioName, database: DatabaseName, server: ServerName) =>
  cells.find((c) => c.scenario === scenario && c.database === database && c.server === server)

/** Ours over the peer's requests/s (above 1: we serve more) and p99 (below 1: our tail is shorter). */
export const ratios = (cells: ReadonlyArray<Cell>, of: Cell) => {
  const ours = find(cells, of.scenario, of.database, "ours")
  if (ours === undefined || of.server === "ours") return undefined
  return { throughput: ours.requestsPerSecond / of.requestsPerSecond, p99: ours.p99Ms / of.p99Ms }
}

const fixed = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits))
const whole = (n: number) => Math.round(n).toLocaleString("en-US")

export const header = ["scenario", "database", "server", "req/s", "p50 ms", "p99 ms", "errors", "ours/peer req/s", "ours/peer p99"] as const

export const rows = (cells: ReadonlyArray<Cell>): ReadonlyArray<ReadonlyArray<string>> =>
  cells.map((c) => {
    const ratio = ratios(cells, c)
    return [
      scenarioTitles[c.scenario],
      c.server === "ceiling" ? `none (${c.database} rounds)` : databaseTitles[c.database],
      serverTitles[c.server],
      whole(c.requestsPerSecond),
      fixed(c.p50Ms, 2),
      fixed(c.p99Ms, 2),
      String(c.errors),
      fixed(ratio?.throughput, 2),
      fixed(ratio?.p99, 2)
    ]
  })

export const markdownTable = (head: ReadonlyArray<string>, body: ReadonlyArray<ReadonlyArray<string>>) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 3 ? " --- " : " ---: ")).join("|")}|`, ...body.map((row) => `| ${row.join(" | ")} |`)].join("\n")

export interface Target {
  readonly target: string
  readonly measured: string
  readonly met: boolean | undefined
}

const check = (target: string, value: number | undefined, goal: (v: number) => boolean, show: (v: number) => string): Target =>
  value === undefined || !Number.isFinite(value)
    ? { target, measured: "not measured", met: undefined }
    : { target, measured: show(value), met: goal(value) }

export const targets = (
  cells: ReadonlyArray<Cell>,
  databases: ReadonlyArray<DatabaseName>,
  logins: ReadonlyArray<{ readonly database: DatabaseName; readonly ratio: number; readonly loginsPerSecond: number }>,
  memory: { readonly growth: number } | undefined
): ReadonlyArray<Target> => {
  const out: Array<Target> = []
  const x = (v: number) => `${v.toFixed(2)}x`
  // Issue 16's targets: (2) me against the fixed-response ceiling; (3) me and the users page against
  // the node:http + graphql-js floor and Mercurius + graphql-jit's p99, all sending our statements.
  const ceilingShare: Record<DatabaseName, number> = { pg: 0.085, pglite: 0.025 }
  for (const database of databases) {
    const on = databaseTitles[database]
    const me = find(cells, "me", database, "ours")
    const ceiling = cells.find((c) => c.scenario === "me" && c.server === "ceiling")
    out.push(check(`(1) me, ${on}: req/s >= ${ceilingShare[database]} of the fixed-response ceiling`, me && ceiling ? me.requestsPerSecond / ceiling.requestsPerSecond : undefined,
      (v) => v >= ceilingShare[database], (v) => v.toFixed(3)))
    for (const scenario of ["me", "users"] as const) {
      const name = scenarioTitles[scenario]
      const ours = find(cells, scenario, database, "ours")
      const bare = find(cells, scenario, database, "bare")
      const mercurius = find(cells, scenario, database, "mercurius")
      out.push(check(`${name}, ${on}: req/s >= 1.0x the node:http + graphql-js floor`, ours && bare ? ours.requestsPerSecond / bare.requestsPerSecond : undefined, (v) => v >= 1, x))
      out.push(check(`${name}, ${on}: p99 <= 1.5x Mercurius+jit's`, ours && mercurius ? ours.p99Ms / mercurius.p99Ms : undefined, (v) => v <= 1.5, x))
    }
  }
  for (const login of logins) {
    const target = `(1) ${databaseTitles[login.database]}: p99 with 20 concurrent logins within 2x of without`
    // Queries that never let a sign-in through would meet the ratio while the logins starve.
    out.push(login.loginsPerSecond > 0
      ? check(target, login.ratio, (v) => v <= 2, x)
      : { target, measured: `${x(login.ratio)}, but no sign-in was answered beside the queries`, met: false })
  }
  out.push(check("resident memory flat within 10% over the soak", memory?.growth, (v) => Math.abs(v) <= 0.1, (v) => `${(v * 100).toFixed(1)}%`))
  return out
}

export const targetRows = (list: ReadonlyArray<Target>) =>
  list.map((t) => [t.target, t.measured, t.met === undefined ? "-" : t.met ? "met" : "NOT MET"])
