import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as AuthApi from "../../../src/auth/graphql/Resolvers.js"
import { specifiedRules, validate } from "../../../src/graphql/GraphQLJs.js"
import * as Limits from "../../../src/graphql/Limits.js"
import * as GraphQLSchema from "../../../src/graphql/Schema.js"

const limits: Limits.QueryLimits = {
  maxBodyBytes: 1000, maxTokens: 60, maxDepth: 4, maxAliases: 2, maxDirectives: 2, maxCost: 1000, introspection: true, suggestions: true,
  requestTimeout: Duration.seconds(30), documentCache: { entries: 0, maxChars: 0 }
}

/** The messages graphql-js and the limits give for a document against the real schema. */
const check = (document: string, overrides: Partial<Limits.QueryLimits> = {}) =>
  Effect.map(GraphQLSchema.make([AuthApi.api]), (schema) => {
    const applied = { ...limits, ...overrides }
    try {
      const parsed = Limits.parser(applied)(document)
      return validate(schema, parsed, [...specifiedRules, ...Limits.validationRules(applied, () => {})]).map((error) => error.message)
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)]
    }
  })

describe("query limits, before any resolver runs", () => {
  it.effect("accepts a document within every limit", () =>
    Effect.map(check("{ me { accessKey role { code } } }"), (messages) => expect(messages).toEqual([])))

  it.effect("refuses a document deeper than maxDepth", () =>
    Effect.map(check("{ users { edges { node { role { code } } } } }"), (messages) =>
      expect(messages.join(" ")).toMatch(/depth/i)))

  it.effect("refuses more aliases than maxAliases", () =>
    Effect.map(check("{ a: me { accessKey } b: me { accessKey } c: me { accessKey } }"), (messages) =>
      expect(messages.join(" ")).toMatch(/aliases/i)))

  it.effect("refuses more directives than maxDirectives", () =>
    Effect.map(check("{ me @include(if: true) @skip(if: false) @include(if: true) { accessKey } }"), (messages) =>
      expect(messages.join(" ")).toMatch(/directives/i)))

  it.effect("refuses a document whose estimated cost is above maxCost", () =>
    Effect.gen(function*() {
      const document = "{ me { accessKey email name createdAt permissions { resource action scope } } }"
      expect(yield* check(document)).toEqual([])
      expect((yield* check(document, { maxCost: 5 })).join(" ")).toMatch(/cost/i)
    }))

  it.effect("stops parsing at maxTokens", () =>
    Effect.map(check(`{ me { ${"accessKey ".repeat(100)} } }`), (messages) =>
      expect(messages.join(" ")).toMatch(/tokens/i)))

  it.effect("refuses introspection when it is off, and allows it when on", () =>
    Effect.gen(function*() {
      const document = "{ __schema { queryType { name } } }"
      expect(yield* check(document)).toEqual([])
      expect((yield* check(document, { introspection: false })).join(" ")).toMatch(/introspection/i)
    }))

  it.effect("drops graphql-js's name suggestions when they are off", () =>
    Effect.gen(function*() {
      const message = (yield* check("{ me { acessKey } }")).join(" ")
      expect(message).toMatch(/Did you mean/)
      expect(Limits.withoutSuggestions({ ...limits, suggestions: false }, message)).toBe('Cannot query field "acessKey" on type "User".')
      expect(Limits.withoutSuggestions(limits, message)).toBe(message)
    }))
})
