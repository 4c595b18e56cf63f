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

export interface List<K, F> {
  /** `from`: the table and its alias as the column expressions name it (an adapter constant). */
  readonly from: string
  readonly sortKey: SortKey<K>
  /** The filter as a condition on `from`. */
  readonly where: (filter: F) => Fragment
}

/** A list's `page` and `count`, for a repository whose `select(where, tail)` reads rows of `list.from`. */
export const make = <K, F, A, E>(
  sql: SqlClient.SqlClient,
  list: List<K, F>,
  select: (where: Fragment, tail: Fragment) => Effect.Effect<ReadonlyArray<A>, E>
) => {
  const from = sql.literal(list.from)
  const columns = sql.literal(`(${list.sortKey.columns.join(", ")})`)
  const row = (key: K) => sql`(${sql.csv(list.sortKey.values(key).map((value) => sql`${value}`))})`
  const compare = (operator: "<" | "<=" | ">" | ">=", key: K) => sql`${columns} ${sql.literal(operator)} ${row(key)}`

  const page = (query: PageQuery<K>, filter: F): Effect.Effect<Window<A>, E | SqlError.SqlError> => {
    const forward = query.direction === "forward"
    const bounds = [
      ...Option.toArray(Option.map(query.after, (key) => compare(">", key))),
      ...Option.toArray(Option.map(query.before, (key) => compare("<", key)))
    ]
    const order = sql.literal(list.sortKey.columns.map((column) => `${column} ${forward ? "ASC" : "DESC"}`).join(", "))
    // The other side of the starting cursor: the specification's "elements exist prior to after" (and its mirror).
    const beyond = forward ? Option.map(query.after, (key) => compare("<=", key)) : Option.map(query.before, (key) => compare(">=", key))
    return Effect.all({
      rows: select(sql.and([list.where(filter), ...bounds]), sql`ORDER BY ${order} LIMIT ${query.size + 1}`),
      beyondStart: Option.match(beyond, {
        onNone: () => Effect.succeed(false),
        onSome: (condition) =>
          sql<{ readonly found: boolean }>`SELECT EXISTS (SELECT 1 FROM ${from} WHERE ${list.where(filter)} AND ${condition}) AS found`
            .pipe(Effect.map((found) => found[0]?.found === true))
      })
    })
  }

  const count = (filter: F): Effect.Effect<number, SqlError.SqlError> =>
    sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM ${from} WHERE ${list.where(filter)}`.pipe(
      Effect.map((found) => found[0]?.count ?? 0)
    )

  return { page, count }
}
