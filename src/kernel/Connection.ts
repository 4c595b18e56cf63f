/**
 * Relay cursor connections (relay.dev/graphql/connections.htm), once for every list: the client's
 * `first`/`after`/`last`/`before` become a keyset PageQuery a store can run with an index seek, and
 * the store's Window becomes edges and PageInfo by the specification's rules. Pure: no I/O.
 */
import { Effect, Either, Option } from "effect"
import type { CursorCodec } from "./Cursor.js"
import { InvalidArgument } from "./Errors.js"
import { PageSizeLimits, type PageSizes } from "./Paging.js"

/** The arguments as graphql-js coerced them: absent or null means not given. */
export interface PageArguments {
  readonly first?: number | null | undefined
  readonly after?: string | null | undefined
  readonly last?: number | null | undefined
  readonly before?: string | null | undefined
}

/**
 * What a store must read. Rows lie strictly between `after` and `before` (each bound optional) in
 * the list's total order. Forward reads from the low end up, backward from the high end down.
 */
export interface PageQuery<K> {
  readonly direction: "forward" | "backward"
  readonly size: number
  readonly after: Option.Option<K>
  readonly before: Option.Option<K>
}

/**
 * What a store answers: up to `size + 1` rows inside the bounds, nearest the starting end first
 * (forward: ascending from `after`; backward: descending from `before`), and whether any row of the
 * (filtered) list lies beyond the starting cursor itself: at or before `after` when reading forward,
 * at or after `before` when reading backward; false when there is no starting cursor.
 */
export interface Window<A> {
  readonly rows: ReadonlyArray<A>
  readonly beyondStart: boolean
}

export interface Edge<A> {
  readonly cursor: string
  readonly node: A
}

export interface PageInfo {
  readonly hasNextPage: boolean
  readonly hasPreviousPage: boolean
  readonly startCursor: string | null
  readonly endCursor: string | null
}

export interface Page<A> {
  readonly edges: ReadonlyArray<Edge<A>>
  readonly nodes: ReadonlyArray<A>
  readonly pageInfo: PageInfo
}

const given = <A>(value: A | null | undefined): value is A => value !== null && value !== undefined

const checkSize = (argument: string, size: number, limits: PageSizes) =>
  Number.isInteger(size) && size >= 0 && size <= limits.max
    ? Either.right(size)
    : Either.left(new InvalidArgument({ argument, reason: `must be an integer from 0 to ${limits.max}` }))

const decodeOptional = <K>(codec: CursorCodec<K>, cursor: string | null | undefined, argument: string) =>
  given(cursor) ? Either.map(codec.decode(cursor, argument), Option.some) : Either.right(Option.none<K>())

/**
 * The client's arguments as a PageQuery. `first` and `last` together are refused: the specification
 * strongly discourages it and its result confuses more than it helps. Neither means `defaultSize`
 * rows: the last ones before `before` when only `before` is given (the page that precedes it), else
 * the first ones.
 */
export const query = <K>(
  args: PageArguments,
  codec: CursorCodec<K>,
  limits: PageSizes
): Either.Either<PageQuery<K>, InvalidArgument> =>
  Either.gen(function*() {
    if (given(args.first) && given(args.last)) {
      return yield* Either.left(new InvalidArgument({ argument: "last", reason: "cannot be combined with first" }))
    }
    const backward = given(args.last) || (!given(args.first) && given(args.before) && !given(args.after))
    const size = given(args.last)
      ? yield* checkSize("last", args.last, limits)
      : given(args.first)
      ? yield* checkSize("first", args.first, limits)
      : limits.defaultSize
    const after = yield* decodeOptional(codec, args.after, "after")
    const before = yield* decodeOptional(codec, args.before, "before")
    return { direction: backward ? "backward" : "forward", size, after, before } as const
  })

/**
 * The page for a store's window. The extra row tells whether more lie ahead in the reading
 * direction; `beyondStart` answers the other side (the specification's "if the server can
 * efficiently determine that elements exist prior to after", and its mirror for `before`).
 */
export const page = <A, K>(
  request: PageQuery<K>,
  window: Window<A>,
  keyOf: (row: A) => K,
  codec: CursorCodec<K>
): Page<A> => {
  const moreAhead = window.rows.length > request.size
  const taken = window.rows.slice(0, request.size)
  const nodes = request.direction === "forward" ? taken : [...taken].reverse()
  const edges = nodes.map((node) => ({ cursor: codec.encode(keyOf(node)), node }))
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: request.direction === "forward" ? moreAhead : window.beyondStart,
      hasPreviousPage: request.direction === "forward" ? window.beyondStart : moreAhead,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null
    }
  }
}

/**
 * The window of an in-memory list, for the in-memory stores: `sorted` must be in the list's order
 * and `compare(row, key)` must agree with it. The same answers the SQL stores give (contract tests).
 */
export const windowOf = <A, K>(
  sorted: ReadonlyArray<A>,
  compare: (row: A, key: K) => number,
  request: PageQuery<K>
): Window<A> => {
  const inside = sorted.filter((row) =>
    !Option.exists(request.after, (key) => compare(row, key) <= 0) &&
    !Option.exists(request.before, (key) => compare(row, key) >= 0)
  )
  const forward = request.direction === "forward"
  const ordered = forward ? inside : [...inside].reverse()
  const start = forward ? request.after : request.before
  return {
    rows: ordered.slice(0, request.size + 1),
    beyondStart: Option.exists(start, (key) => sorted.some((row) => (forward ? compare(row, key) <= 0 : compare(row, key) >= 0)))
  }
}

/** A page with its list's total; the total is an effect so it is counted only when a client asks. */
export interface Connection<A, R> extends Page<A> {
  readonly totalCount: Effect.Effect<number, never, R>
}

/** Reads one page of a list for the client's arguments, with the configured page sizes. */
export const load = <K, A, E, R, R2>(
  args: PageArguments,
  list: {
    readonly codec: CursorCodec<K>
    readonly keyOf: (row: A) => K
    readonly window: (request: PageQuery<K>) => Effect.Effect<Window<A>, E, R>
    readonly count: Effect.Effect<number, never, R2>
  }
): Effect.Effect<Connection<A, R2>, E | InvalidArgument, R> =>
  Effect.gen(function*() {
    const request = yield* query(args, list.codec, yield* PageSizeLimits)
    const window = yield* list.window(request)
    return { ...page(request, window, list.keyOf, list.codec), totalCount: list.count }
  })
