/**
 * Keyset paging in SQL for kernel/Connection's PageQuery: rows strictly between the cursors' keys,
 * read from the starting end with an index seek (`WHERE (key) > (...) ORDER BY key LIMIT n + 1`),
 * never OFFSET, so the 1,000th page costs what the first does.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Option } from "effect"
import type { PageQuery, Window } from "../kernel/Connection.js"

/**
 * A list's total order as SQL: column expressions (constants of the adapter, never input), all
 * ascending, the last one unique, and the values of a key in the same order.
 */
export interface SortKey<K> {
  readonly columns: ReadonlyArray<string>
  readonly values: (key: K) => ReadonlyArray<string | number | boolean | Date>
}

/** The clauses of one page's statement: where it may read, in which order, how many rows. */
export interface Clauses {
  readonly bounds: Fragment
  readonly order: Fragment
  readonly limit: number
}

export const window = <K, A, E, R>(
  sql: SqlClient.SqlClient,
  sortKey: SortKey<K>,
  query: PageQuery<K>,
  statements: {
    /** The page's rows, in the clauses' order. */
    readonly rows: (clauses: Clauses) => Effect.Effect<ReadonlyArray<A>, E, R>
    /** Whether the (filtered) list has any row matching `condition`. */
    readonly any: (condition: Fragment) => Effect.Effect<ReadonlyArray<{ readonly found: boolean }>, SqlError.SqlError>
  }
): Effect.Effect<Window<A>, E | SqlError.SqlError, R> => {
  const columns = sql.literal(`(${sortKey.columns.join(", ")})`)
  const row = (key: K) => sql`(${sql.csv(sortKey.values(key).map((value) => sql`${value}`))})`
  const compare = (operator: "<" | "<=" | ">" | ">=", key: K) => sql`${columns} ${sql.literal(operator)} ${row(key)}`
  const forward = query.direction === "forward"
  const bounds = sql.and([
    ...Option.toArray(Option.map(query.after, (key) => compare(">", key))),
    ...Option.toArray(Option.map(query.before, (key) => compare("<", key)))
  ])
  const order = sql.literal(sortKey.columns.map((column) => `${column} ${forward ? "ASC" : "DESC"}`).join(", "))
  const start = forward ? Option.map(query.after, (key) => compare("<=", key)) : Option.map(query.before, (key) => compare(">=", key))
  return Effect.all({
    rows: statements.rows({ bounds, order, limit: query.size + 1 }),
    beyondStart: Option.match(start, {
      onNone: () => Effect.succeed(false),
      onSome: (condition) => Effect.map(statements.any(condition), (found) => found[0]?.found === true)
    })
  })
}
