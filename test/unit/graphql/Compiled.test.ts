/**
 * Compiled documents (graphql-jit) answer what graphql-js answers, errors included: the same
 * messages, codes, paths and locations, so ErrorCodes.ts and clients cannot tell them apart. A
 * document is compiled only once the cache hands it out again. graphql-jit is watched (mocked as a
 * pass-through), so the tests know which runs went through a compiled query.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option } from "effect"
import { vi } from "vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import type { ModuleApi } from "../../../src/graphql/Context.js"
import * as Execute from "../../../src/graphql/Execute.js"
import type { ExecutionResult } from "../../../src/graphql/GraphQLJs.js"
import type { QueryLimits } from "../../../src/graphql/Limits.js"
import * as Loaders from "../../../src/graphql/Loaders.js"
import * as Operation from "../../../src/graphql/Operation.js"
import * as GraphQLSchema from "../../../src/graphql/Schema.js"

/** graphql-jit's work as it happens: documents compiled, and runs of compiled queries (with data: answered compiled). */
const jit = vi.hoisted(() => ({ compiled: 0, runs: 0, answered: 0 }))
vi.mock("graphql-jit", async (importOriginal) => {
  const original = await importOriginal<typeof import("graphql-jit")>()
  const compileQuery = (...args: Parameters<typeof original.compileQuery>) => {
    const result = original.compileQuery(...args)
    if (!("query" in result)) return result // graphql-jit could not compile it
    jit.compiled++
    const compiledQuery = result.query
    const query = (...run: Parameters<typeof compiledQuery>) => {
      jit.runs++
      const answer = compiledQuery(...run)
      // A run without data refused the variables; graphql-js answers those (Compiled.ts).
      if ("then" in answer || "data" in answer) jit.answered++
      return answer
    }
    return Object.assign(result, { query })
  }
  return { ...original, compileQuery }
})

/** What graphql-jit did while `effect` ran. */
const watched = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = { ...jit }
    const value = yield* effect
    return { value, compiled: jit.compiled - before.compiled, runs: jit.runs - before.runs, answered: jit.answered - before.answered }
  })

const sdlDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-compiled-"))
afterAll(() => Fs.rmSync(sdlDir, { recursive: true, force: true }))
const sdlFile = Path.join(sdlDir, "things.graphql")
Fs.writeFileSync(sdlFile, `
type Thing { id: String!, label: String, sure: String! }
extend type Query { things(first: Int!): [Thing!]! @public }
extend type Mutation { noop: Boolean @public }
`)

const labels = Loaders.lookup("test/labels", (keys: ReadonlyArray<string>) =>
  keys.includes("boom") ? Effect.dieMessage("the database went away") : Effect.succeed(new Map(keys.map((key) => [key, `label ${key}`]))))

const things: ModuleApi<never> = {
  name: "things",
  sdlFile: pathToFileURL(sdlFile),
  Query: { things: (args) => Effect.succeed(["a", "boom", "c"].slice(0, args["first"] as number).map((id) => ({ id, sure: id === "c" ? null : "yes" }))) },
  Mutation: { noop: () => Effect.succeed(true) },
  types: { Thing: { label: Loaders.field(labels, (thing: { readonly id: string }) => thing.id, Option.getOrNull) } }
}

const cached: QueryLimits = {
  maxBodyBytes: 10_000, maxTokens: 500, maxDepth: 5, maxAliases: 5, maxDirectives: 5, maxCost: 10_000, introspection: true, suggestions: true,
  requestTimeout: Duration.seconds(30), documentCache: { entries: 10, maxChars: 1000 }
}
// The server keeps one cache per limits object, so each of these is made once, as a server's are.
const uncached: QueryLimits = { ...cached, documentCache: { entries: 0, maxChars: 1000 } }

const query = `query Things($first: Int!) {
  things(first: $first) { id label sure }
}`

const plain = (result: ExecutionResult) => JSON.parse(JSON.stringify(result))

describe("compiled documents", () => {
  it.effect("answer data and errors exactly as graphql-js does, from the second request on", () =>
    Effect.gen(function*() {
      const schema = yield* GraphQLSchema.make([things])
      const runtime = yield* Effect.runtime<never>()
      const run = (variableValues: Record<string, unknown>, limits = cached) => {
        const { document } = Either.getOrThrow(Operation.prepare(schema, limits, () => {}, query, undefined))
        // No bearer token: the principal is never looked up, so no PrincipalServices are needed.
        const contextValue = Execute.makeContext(runtime as Parameters<typeof Execute.makeContext>[0], { requestId: "t", authorization: null, clientAddress: "127.0.0.1" })
        return Effect.promise(async () => plain(await Operation.execute({ schema, document, variableValues, contextValue })))
      }
      // Without the cache nothing is reused, so graphql-js executes, every time.
      const reference = yield* watched(Effect.all([run({ first: 3 }, uncached), run({ first: 3 }, uncached)]))
      expect([reference.compiled, reference.runs]).toEqual([0, 0])
      // With it, the first run is graphql-js's; the second compiles the document and answers compiled.
      expect(yield* watched(run({ first: 3 }))).toMatchObject({ compiled: 0, runs: 0 })
      const compiled = yield* watched(run({ first: 3 }))
      expect(compiled).toMatchObject({ compiled: 1, runs: 1, answered: 1 })
      expect(compiled.value).toEqual(reference.value[0])
      // Once compiled, compiled: the same query is not compiled again.
      expect(yield* watched(run({ first: 3 }))).toMatchObject({ compiled: 0, runs: 1, answered: 1 })
      // Variables the compiled query refuses are answered by graphql-js, in its words, as without the cache.
      for (const variables of [{ first: "three" }, {}]) {
        const refused = yield* watched(run(variables))
        expect(refused).toMatchObject({ runs: 1, answered: 0 })
        expect(refused.value).toEqual(yield* run(variables, uncached))
      }
      // The failing batch: each of its fields coded, with its path and its place in the document.
      const failed = yield* run({ first: 3 })
      expect(failed.errors).toContainEqual({
        message: "Internal server error",
        locations: [{ line: 2, column: 30 }],
        path: ["things", 1, "label"],
        extensions: { code: "INTERNAL_SERVER_ERROR" }
      })
    }))
})
