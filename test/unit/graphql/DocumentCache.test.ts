/**
 * The document cache: least recently used documents leave first, it can be turned off, long texts
 * stay out; through Operation.prepare, a valid query text is parsed and validated once, while a
 * refused one is refused (and heard by the limits' log) on every request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either } from "effect"
import * as AuthApi from "../../../src/auth/graphql/Resolvers.js"
import * as DocumentCache from "../../../src/graphql/DocumentCache.js"
import { parse } from "../../../src/graphql/GraphQLJs.js"
import type { QueryLimits } from "../../../src/graphql/Limits.js"
import * as Operation from "../../../src/graphql/Operation.js"
import * as GraphQLSchema from "../../../src/graphql/Schema.js"

const document = parse("{ __typename }")

describe("DocumentCache", () => {
  it("drops the least recently used document first", () => {
    const cache = DocumentCache.make({ entries: 2, maxChars: 100 })
    cache.set("a", document)
    cache.set("b", document)
    expect(cache.get("a")).toBe(document)
    cache.set("c", document)
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([document, undefined, document])
  })

  it("keeps nothing with 0 entries, and no text longer than maxChars", () => {
    const off = DocumentCache.make({ entries: 0, maxChars: 100 })
    off.set("a", document)
    expect(off.get("a")).toBeUndefined()
    const short = DocumentCache.make({ entries: 10, maxChars: 3 })
    short.set("abcd", document)
    short.set("abc", document)
    expect([short.get("abcd"), short.get("abc")]).toEqual([undefined, document])
  })
})

const limits = (entries: number): QueryLimits => ({
  maxBodyBytes: 10_000, maxTokens: 500, maxDepth: 3, maxAliases: 5, maxDirectives: 5, maxCost: 10_000, introspection: true, suggestions: true,
  requestTimeout: Duration.seconds(30), documentCache: { entries, maxChars: 1000 }
})

const valid = "query Users { users(first: 1) { nodes { accessKey } } }"
const tooDeep = "{ users(first: 1) { nodes { role { code } } } }"

describe("Operation.prepare with the document cache", () => {
  it.effect("parses and validates a valid text once, and refuses a refused one every time, telling the log each time", () =>
    Effect.gen(function*() {
      const schema = yield* GraphQLSchema.make([AuthApi.api])
      const cached = limits(10)
      const heard: Array<string> = []
      const prepare = (query: string, config: QueryLimits) =>
        Operation.prepare(schema, config, (limit) => heard.push(limit), query, undefined)
      const [first, second] = [prepare(valid, cached), prepare(valid, cached)].map(Either.getOrThrow)
      expect(second!.document).toBe(first!.document)
      expect(second!.operation.name?.value).toBe("Users")

      for (let i = 0; i < 2; i++) expect(Either.isLeft(prepare(tooDeep, cached))).toBe(true)
      expect(heard).toEqual(["depth", "depth"])

      // Off: every request is parsed afresh.
      const off = limits(0)
      expect(Either.getOrThrow(prepare(valid, off)).document).not.toBe(Either.getOrThrow(prepare(valid, off)).document)
    }))

  it.effect("keeps one cache per limits: a text valid under one is checked again under stricter ones", () =>
    Effect.gen(function*() {
      const schema = yield* GraphQLSchema.make([AuthApi.api])
      const deep = "{ users(first: 1) { nodes { accessKey } } }"
      expect(Either.isRight(Operation.prepare(schema, limits(10), () => {}, deep, undefined))).toBe(true)
      const strict = { ...limits(10), maxDepth: 2 }
      expect(Either.isLeft(Operation.prepare(schema, strict, () => {}, deep, undefined))).toBe(true)
    }))
})
