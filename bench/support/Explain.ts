/**
 * The statements a program really sends (captured from @effect/sql as it compiles them, not rewritten
 * by hand), and one-line summaries of their EXPLAIN (ANALYZE, BUFFERS) plans.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Statement from "@effect/sql/Statement"
import { Effect } from "effect"

export interface Captured {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
}

/** Runs `effect` and answers its result with every statement it executed, in order. */
export const capture = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, ReadonlyArray<Captured>], E, R> =>
  Effect.suspend(() => {
    const captured: Array<Captured> = []
    return effect.pipe(
      Statement.withTransformer((self) => {
        const [sql, params] = self.compile()
        captured.push({ sql, params })
        return Effect.succeed(self)
      }),
      Effect.map((value) => [value, captured] as const)
    )
  })

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Index Cond"?: string
  readonly "Parent Relationship"?: string
  readonly "Actual Rows": number
  readonly "Actual Loops": number
  readonly "Shared Hit Blocks": number
  readonly "Shared Read Blocks": number
  readonly Plans?: ReadonlyArray<PlanNode>
}

export interface PlanSummary {
  /** `Limit > Index Scan using users_created_at_id_idx on users (rows 101)` and so on, outermost first. */
  readonly outline: string
  /** The scans of `users` and of its indexes, with their index, condition and row counts. */
  readonly userScans: ReadonlyArray<{ readonly node: string; readonly index: string | null; readonly cond: string | null; readonly rows: number; readonly loops: number }>
  /** Whether users are read in key order through users_created_at_id_idx (rather than sorted or skipped over). */
  readonly usesKeysetIndex: boolean
  readonly sorts: boolean
  /** Shared buffers touched by the whole statement (hit + read), inclusive of sub-plans. */
  readonly buffersHit: number
  readonly buffersRead: number
  readonly executionMs: number
  readonly plan: unknown
}

const nodes = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodes)]

const describe = (node: PlanNode): string =>
  `${node["Node Type"]}${node["Index Name"] ? ` using ${node["Index Name"]}` : ""}` +
  `${node["Relation Name"] ? ` on ${node["Relation Name"]}` : ""} (rows ${node["Actual Rows"]}` +
  `${node["Actual Loops"] > 1 ? ` x ${node["Actual Loops"]} loops` : ""})`

const outline = (node: PlanNode): string => {
  const main = (node.Plans ?? []).filter((child) => child["Parent Relationship"] !== "SubPlan" && child["Parent Relationship"] !== "InitPlan")
  const sub = (node.Plans ?? []).filter((child) => !main.includes(child))
  const here = describe(node) + sub.map((child) => ` [${child["Parent Relationship"]}: ${outline(child)}]`).join("")
  return main.length === 0 ? here : `${here} > ${main.map(outline).join(" + ")}`
}

export const explain = (sql: SqlClient.SqlClient, statement: Captured): Effect.Effect<PlanSummary, unknown> =>
  Effect.gen(function*() {
    const rows = yield* sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.sql}`, statement.params).values
    const [document] = rows[0]?.[0] as ReadonlyArray<{ readonly Plan: PlanNode; readonly "Execution Time": number }>
    const root = document!.Plan
    const all = nodes(root)
    // A bitmap scan's index half names the index but not the table.
    const userScans = all.filter((node) => node["Relation Name"] === "users" || node["Index Name"]?.startsWith("users_")).map((node) => ({
      node: node["Node Type"],
      index: node["Index Name"] ?? null,
      cond: node["Index Cond"] ?? null,
      rows: node["Actual Rows"],
      loops: node["Actual Loops"]
    }))
    return {
      outline: outline(root),
      userScans,
      usesKeysetIndex: userScans.some((scan) => scan.index === "users_created_at_id_idx"),
      sorts: all.some((node) => node["Node Type"].includes("Sort")),
      buffersHit: root["Shared Hit Blocks"],
      buffersRead: root["Shared Read Blocks"],
      executionMs: document!["Execution Time"],
      plan: rows[0]?.[0]
    }
  })
