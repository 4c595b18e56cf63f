import { describe, expect, it } from "@effect/vitest"
import { Either, Option, Schema } from "effect"
import * as fc from "fast-check"
import * as Connection from "../../../src/kernel/Connection.js"
import * as Cursor from "../../../src/kernel/Cursor.js"
import { refusal } from "../../support/Refusals.js"
import type { PageSizes } from "../../../src/kernel/Paging.js"

// Small sizes so that short generated lists already span several pages.
const limits: PageSizes = { defaultSize: 3, max: 10 }

/** An in-memory list the way the memory stores serve one: query, windowOf, page. */
const store = <A, K>(
  rows: () => ReadonlyArray<A>,
  compare: (row: A, key: K) => number,
  keyOf: (row: A) => K,
  codec: Cursor.CursorCodec<K>
) =>
(args: Connection.PageArguments) => {
  const request = Either.getOrThrow(Connection.query(args, codec, limits))
  return Connection.page(request, Connection.windowOf(rows(), compare, request), keyOf, codec)
}

// Rows sharing `at` are told apart by `id`, so the key (at, id) is a total order.
interface Row {
  readonly at: number
  readonly id: string
}
const rowCodec = Cursor.codec("rows", Schema.Tuple(Schema.Number, Schema.String))
const keyOfRow = (row: Row) => [row.at, row.id] as const
const compareRow = (row: Row, [at, id]: readonly [number, string]) =>
  row.at - at || (row.id < id ? -1 : row.id > id ? 1 : 0)
const rows: ReadonlyArray<Row> = [
  { at: 1, id: "a" },
  { at: 2, id: "b" },
  { at: 2, id: "c" },
  { at: 2, id: "d" },
  { at: 3, id: "e" }
]
const cursorOf = (id: string) => rowCodec.encode(keyOfRow(rows.find((row) => row.id === id)!))
const fetchRows = (list: ReadonlyArray<Row>) => store(() => list, compareRow, keyOfRow, rowCodec)

const numberCodec = Cursor.codec("numbers", Schema.Number)
const fetchNumbers = (list: () => ReadonlyArray<number>) =>
  store(list, (row: number, key: number) => row - key, (row) => row, numberCodec)

describe("Connection.query", () => {
  it("refuses first and last together, blaming last", () => {
    expect(refusal(Connection.query({ first: 2, last: 2 }, rowCodec, limits)))
      .toEqual({ argument: "last", reason: "cannot be combined with first" })
    expect(refusal(Connection.query({ first: 0, last: 0 }, rowCodec, limits)).argument).toBe("last")
  })

  it.each(["first", "last"] as const)("refuses a %s that is negative, fractional, not finite or over max", (argument) => {
    for (const size of [-1, 1.5, limits.max + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal(Connection.query({ [argument]: size }, rowCodec, limits)))
        .toEqual({ argument, reason: `must be an integer from 0 to ${limits.max}` })
    }
  })

  it.each(["first", "last"] as const)("accepts a %s of 0 and of max", (argument) => {
    for (const size of [0, limits.max]) {
      expect(Either.getOrThrow(Connection.query({ [argument]: size }, rowCodec, limits)).size).toBe(size)
    }
  })

  it("reads forward by defaultSize when neither first nor last is given (absent or null)", () => {
    for (const args of [{}, { first: null, last: null, after: null, before: null }]) {
      const request = Either.getOrThrow(Connection.query(args, rowCodec, limits))
      expect(request).toEqual({ direction: "forward", size: limits.defaultSize, after: Option.none(), before: Option.none() })
    }
  })

  it("reads the defaultSize rows just before `before` when only `before` is given (the preceding page)", () => {
    const before = rowCodec.encode([2, "b"])
    expect(Either.getOrThrow(Connection.query({ before }, rowCodec, limits))).toMatchObject({ direction: "backward", size: limits.defaultSize })
    expect(Either.getOrThrow(Connection.query({ before, after: before }, rowCodec, limits))).toMatchObject({ direction: "forward" })
  })

  it("reads forward for first and backward for last", () => {
    expect(Either.getOrThrow(Connection.query({ first: 4 }, rowCodec, limits))).toMatchObject({ direction: "forward", size: 4 })
    expect(Either.getOrThrow(Connection.query({ last: 4, first: null }, rowCodec, limits)))
      .toMatchObject({ direction: "backward", size: 4 })
  })

  it("decodes after and before into keys", () => {
    const request = Either.getOrThrow(Connection.query({ last: 1, after: cursorOf("a"), before: cursorOf("d") }, rowCodec, limits))
    expect(request.after).toEqual(Option.some([1, "a"]))
    expect(request.before).toEqual(Option.some([2, "d"]))
  })

  it("passes a bad cursor's refusal on, naming the argument it came in", () => {
    const foreign = numberCodec.encode(1)
    expect(refusal(Connection.query({ first: 1, after: "garbage!" }, rowCodec, limits)))
      .toEqual({ argument: "after", reason: "is not a valid cursor" })
    expect(refusal(Connection.query({ last: 1, after: cursorOf("a"), before: "garbage!" }, rowCodec, limits)))
      .toEqual({ argument: "before", reason: "is not a valid cursor" })
    expect(refusal(Connection.query({ first: 1, before: foreign }, rowCodec, limits)).reason).toMatch(/another list/)
  })
})

describe("Connection.page over windowOf (in-memory list)", () => {
  const fetch = fetchRows(rows)
  const ids = (page: Connection.Page<Row>) => page.nodes.map((row) => row.id).join("")
  const flags = ({ pageInfo }: Connection.Page<Row>) => [pageInfo.hasPreviousPage, pageInfo.hasNextPage]

  it.each<[string, Connection.PageArguments, string, [boolean, boolean]]>([
    // [name, args, ids, [hasPreviousPage, hasNextPage]]
    ["first:2 from the start", { first: 2 }, "ab", [false, true]],
    ["first:2 after a cursor splitting equal `at`", { first: 2, after: cursorOf("b") }, "cd", [true, true]],
    ["first:2 reaching the end", { first: 2, after: cursorOf("d") }, "e", [true, false]],
    ["first:5 of exactly five rows", { first: 5 }, "abcde", [false, false]],
    ["last:2 from the end", { last: 2 }, "de", [true, false]],
    ["last:2 before a cursor", { last: 2, before: cursorOf("d") }, "bc", [true, true]],
    ["last:2 reaching the start", { last: 2, before: cursorOf("b") }, "a", [false, true]],
    ["first:2 between after and before, more inside", { first: 2, after: cursorOf("a"), before: cursorOf("e") }, "bc", [true, true]],
    // hasNextPage counts only rows inside the bounds: e lies at `before`, outside.
    ["first:3 between after and before, all inside", { first: 3, after: cursorOf("a"), before: cursorOf("e") }, "bcd", [true, false]],
    ["last:2 between after and before, more inside", { last: 2, after: cursorOf("a"), before: cursorOf("e") }, "cd", [true, true]],
    // hasPreviousPage counts only rows inside the bounds: a lies at `after`, outside.
    ["last:3 between after and before, all inside", { last: 3, after: cursorOf("a"), before: cursorOf("e") }, "bcd", [false, true]],
    ["neither first nor last: defaultSize forward", {}, "abc", [false, true]]
  ])("%s", (_, args, expected, expectedFlags) => {
    const page = fetch(args)
    expect(ids(page)).toBe(expected)
    expect(flags(page)).toEqual(expectedFlags)
  })

  it("seeks to a cursor whose row is gone (keyset, not offset)", () => {
    const gone = rowCodec.encode([2, "bb"])
    expect(ids(fetch({ first: 2, after: gone }))).toBe("cd")
    expect(ids(fetch({ last: 2, before: gone }))).toBe("ab")
  })

  it("gives every edge the cursor of its node, and nodes the edges' nodes", () => {
    for (const args of [{ first: 3, after: cursorOf("a") }, { last: 3, before: cursorOf("e") }]) {
      const page = fetch(args)
      expect(page.nodes).toEqual(page.edges.map((edge) => edge.node))
      for (const edge of page.edges) expect(edge.cursor).toBe(cursorOf(edge.node.id))
      expect(page.pageInfo.startCursor).toBe(page.edges[0]!.cursor)
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)!.cursor)
    }
  })

  it("has null start and end cursors on an empty page", () => {
    for (const page of [fetch({ first: 2, after: cursorOf("e") }), fetch({ last: 2, before: cursorOf("a") }), fetchRows([])({})]) {
      expect(page.edges).toEqual([])
      expect(page.pageInfo).toMatchObject({ startCursor: null, endCursor: null })
    }
  })

  it("answers first:0 with no edges and hasNextPage telling whether rows exist", () => {
    const some = fetch({ first: 0 })
    expect(some.edges).toEqual([])
    expect(flags(some)).toEqual([false, true])
    expect(flags(fetchRows([])({ first: 0 }))).toEqual([false, false])
    expect(flags(fetch({ first: 0, after: cursorOf("e") }))).toEqual([true, false])
  })

  it("answers last:0 with no edges and hasPreviousPage telling whether rows exist", () => {
    expect(flags(fetch({ last: 0 }))).toEqual([true, false])
    expect(flags(fetchRows([])({ last: 0 }))).toEqual([false, false])
  })
})

describe("Connection properties (in-memory list of distinct integers)", () => {
  type Direction = "forward" | "backward"
  const sortedUnique = fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }).map((list) => list.sort((a, b) => a - b))
  const pageSize = fc.integer({ min: 1, max: limits.max })
  const direction = fc.constantFrom<Direction>("forward", "backward")

  /** Pages from one end, each fetched with the cursor of the last, until the far side says no more. */
  const walk = (
    fetch: (args: Connection.PageArguments) => Connection.Page<number>,
    way: Direction,
    size: number,
    betweenPages: (step: number) => void = () => {}
  ) => {
    const pages: Array<Connection.Page<number>> = []
    let cursor: string | null = null
    // A kernel that never stops saying "more" must fail the test, not hang it.
    for (let step = 0; step < 1000; step++) {
      const page = fetch(way === "forward" ? { first: size, after: cursor } : { last: size, before: cursor })
      pages.push(page)
      if (!(way === "forward" ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage)) return pages
      cursor = way === "forward" ? page.pageInfo.endCursor : page.pageInfo.startCursor
      betweenPages(step)
    }
    throw new Error("the walk did not end")
  }
  /** The rows in the order the walk met them: backward pages run high to low, each ascending inside. */
  const visited = (pages: ReadonlyArray<Connection.Page<number>>, way: Direction) =>
    pages.flatMap((page) => (way === "forward" ? page.nodes : [...page.nodes].reverse()))

  it("(a, b) a walk either way meets every row exactly once, in order, in full pages but the last", () => {
    fc.assert(fc.property(sortedUnique, pageSize, direction, (list, size, way) => {
      const pages = walk(fetchNumbers(() => list), way, size)
      expect(visited(pages, way)).toEqual(way === "forward" ? list : [...list].reverse())
      for (const page of pages) expect(page.nodes).toEqual([...page.nodes].sort((a, b) => a - b))
      for (const page of pages.slice(0, -1)) expect(page.edges).toHaveLength(size)
    }))
  })

  it("(c) under inserts between pages a walk never repeats, stays in order and meets every original row", () => {
    const batches = fc.array(fc.uniqueArray(fc.integer({ min: -100, max: 100 }), { maxLength: 5 }), { maxLength: 20 })
    fc.assert(fc.property(sortedUnique, batches, pageSize, direction, (original, inserts, size, way) => {
      let current = original
      const insert = (step: number) => {
        const fresh = (inserts[step] ?? []).filter((key) => !current.includes(key))
        current = [...current, ...fresh].sort((a, b) => a - b)
      }
      const seen = visited(walk(fetchNumbers(() => current), way, size, insert), way)
      const ascending = way === "forward" ? seen : [...seen].reverse()
      for (let i = 1; i < ascending.length; i++) expect(ascending[i]).toBeGreaterThan(ascending[i - 1]!)
      for (const row of seen) expect(current).toContain(row)
      for (const row of original) expect(seen).toContain(row)
    }))
  })

  // A reference model written straight from the specification's algorithms, over arbitrary bounds.
  const request = fc.record({
    size: fc.integer({ min: 0, max: limits.max }),
    way: direction,
    after: fc.option(fc.integer({ min: -60, max: 60 }), { nil: undefined }),
    before: fc.option(fc.integer({ min: -60, max: 60 }), { nil: undefined })
  })

  it("(d, e) pages match the specification's model for any bounds and size", () => {
    fc.assert(fc.property(sortedUnique, request, (list, { size, way, after, before }) => {
      const page = fetchNumbers(() => list)({
        ...(way === "forward" ? { first: size } : { last: size }),
        after: after === undefined ? null : numberCodec.encode(after),
        before: before === undefined ? null : numberCodec.encode(before)
      })
      const inside = list.filter((row) => (after === undefined || row > after) && (before === undefined || row < before))
      const expected = way === "forward" ? inside.slice(0, size) : inside.slice(Math.max(0, inside.length - size))
      expect(page.nodes).toEqual(expected)
      expect(page.edges.length).toBeLessThanOrEqual(size)
      expect(page.pageInfo).toEqual({
        hasNextPage: way === "forward"
          ? inside.length > size
          : before !== undefined && list.some((row) => row >= before),
        hasPreviousPage: way === "backward"
          ? inside.length > size
          : after !== undefined && list.some((row) => row <= after),
        startCursor: expected.length > 0 ? numberCodec.encode(expected[0]!) : null,
        endCursor: expected.length > 0 ? numberCodec.encode(expected.at(-1)!) : null
      })
    }))
  })

  // The window is what SQL stores must reproduce, so its own contract is pinned, not only the page.
  it("windowOf answers at most size + 1 rows nearest the starting end, and whether rows lie beyond it", () => {
    fc.assert(fc.property(sortedUnique, request, (list, { size, way, after, before }) => {
      const bounds = { after: Option.fromNullable(after), before: Option.fromNullable(before) }
      const window = Connection.windowOf(list, (row: number, key: number) => row - key, { direction: way, size, ...bounds })
      const inside = list.filter((row) => (after === undefined || row > after) && (before === undefined || row < before))
      expect(window.rows).toEqual((way === "forward" ? inside : [...inside].reverse()).slice(0, size + 1))
      const start = way === "forward" ? after : before
      expect(window.beyondStart).toBe(
        start !== undefined && list.some((row) => (way === "forward" ? row <= start : row >= start))
      )
    }))
  })

  it("(e) a size of 0 gives no edges, whatever the bounds", () => {
    fc.assert(fc.property(sortedUnique, request, (list, { way, after, before }) => {
      const page = fetchNumbers(() => list)({
        ...(way === "forward" ? { first: 0 } : { last: 0 }),
        after: after === undefined ? null : numberCodec.encode(after),
        before: before === undefined ? null : numberCodec.encode(before)
      })
      expect(page.edges).toEqual([])
      expect(page.nodes).toEqual([])
    }))
  })
})
