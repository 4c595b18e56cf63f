/**
 * Reading Relay connections over HTTP the way a client does, with the checks that hold for every page
 * of every list (`nodes` are the edges' nodes, start/end cursors are the edges' ends): for the e2e
 * tests of each list a module adds.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { graphql } from "./TestServer.js"

export const pageFields = (node: string) => `edges { cursor node { ${node} } } nodes { ${node} } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`
export const pageVariables = "$first: Int, $after: String, $last: Int, $before: String"
export const pageArguments = "first: $first, after: $after, last: $last, before: $before"

/** One list as a client reads it: the query (aliased `list`) and how a node is named in assertions. */
export interface List {
  readonly query: string
  // any: a node is whatever the query selected; each list names it from its own fields.
  readonly id: (node: any) => string
}

export interface Page {
  readonly ids: ReadonlyArray<string>
  readonly cursors: ReadonlyArray<string>
  readonly hasNextPage: boolean
  readonly hasPreviousPage: boolean
  readonly startCursor: string | null
  readonly endCursor: string | null
  readonly totalCount: number
}

/** One page, after checking what holds for every page: `nodes` are the edges' nodes, start/end are the edges' ends. */
export const read = (list: List, variables: Record<string, unknown>, token: string) =>
  Effect.map(graphql(list.query, variables, token), (response): Page => {
    expect(response.errors).toBeUndefined()
    const connection = response.data!["list"]
    // any: response data as parsed JSON (TestServer's GraphQLResponse); the expectations check its shape.
    expect(connection.nodes).toEqual(connection.edges.map((edge: any) => edge.node))
    const cursors: ReadonlyArray<string> = connection.edges.map((edge: any) => edge.cursor)
    expect(connection.pageInfo.startCursor).toBe(cursors[0] ?? null)
    expect(connection.pageInfo.endCursor).toBe(cursors.at(-1) ?? null)
    return { ids: connection.nodes.map(list.id), cursors, ...connection.pageInfo, totalCount: connection.totalCount }
  })

const maxPages = 50

export type Direction = "forward" | "backward"

/**
 * Every page from one end: forward with first/after from the start, following endCursor while
 * hasNextPage; backward with last/before from the end, following startCursor while hasPreviousPage.
 * Bounded, so a flag stuck at true fails instead of looping.
 */
export const walk = (list: List, filter: Record<string, unknown>, direction: Direction, size: number, token: string) =>
  Effect.gen(function*() {
    const forward = direction === "forward"
    const pages: Array<Page> = []
    let cursor: string | null = null
    let more = true
    while (more && pages.length < maxPages) {
      const page: Page = yield* read(list, { ...filter, ...(forward ? { first: size, after: cursor } : { last: size, before: cursor }) }, token)
      pages.push(page)
      cursor = forward ? page.endCursor : page.startCursor
      more = forward ? page.hasNextPage : page.hasPreviousPage
    }
    return pages
  })

const chunks = <A>(items: ReadonlyArray<A>, size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size))

/**
 * Walks `expected` in both directions with each size. Pages come in reading order; the flag for the
 * reading direction is true on all but the last page, and the other one (rows exist before `after`,
 * or from `before` on) on all but the first; the total is the same throughout.
 */
export const expectWalks = (list: List, filter: Record<string, unknown>, expected: ReadonlyArray<string>, sizes: ReadonlyArray<number>, token: string) =>
  Effect.forEach(sizes, (size) =>
    Effect.forEach(["forward", "backward"] as const, (direction) =>
      Effect.map(walk(list, filter, direction, size, token), (pages) => {
        const forward = direction === "forward"
        const want = forward ? chunks(expected, size) : chunks([...expected].reverse(), size).map((chunk) => [...chunk].reverse())
        const ahead = want.map((_, index) => index < want.length - 1)
        const behind = want.map((_, index) => index > 0)
        const where = `${direction} by ${size}`
        expect(pages.map((page) => page.ids), where).toEqual(want)
        expect(pages.map((page) => page.hasNextPage), where).toEqual(forward ? ahead : behind)
        expect(pages.map((page) => page.hasPreviousPage), where).toEqual(forward ? behind : ahead)
        expect(pages.map((page) => page.totalCount), where).toEqual(want.map(() => expected.length))
      })))
