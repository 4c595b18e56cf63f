/**
 * Compiled documents (graphql-jit) answer what graphql-js answers, errors included: the same
 * messages, codes, paths and locations, so ErrorCodes.ts and clients cannot tell them apart. A
 * document is compiled only once the cache hands it out again.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option } from "effect"
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

const query = `query Things($first: Int!) {
  things(first: $first) { id label sure }
}`

const plain = (result: ExecutionResult) => JSON.parse(JSON.stringify(result))

describe("compiled documents", () => {
  it.effect("answer data and errors exactly as graphql-js does, from the second request on", () =>
    Effect.gen(function*() {
      const schema = yield* GraphQLSchema.make([things])
      const runtime = yield* Effect.runtime<never>()
      const run = (variableValues: Record<string, unknown>, entries = cached.documentCache.entries) => {
        const { document } = Either.getOrThrow(Operation.prepare(schema, { ...cached, documentCache: { entries, maxChars: 1000 } }, () => {}, query, undefined))
        // No bearer token: the principal is never looked up, so no PrincipalServices are needed.
        const contextValue = Execute.makeContext(runtime as Parameters<typeof Execute.makeContext>[0], { requestId: "t", authorization: null, clientAddress: "127.0.0.1" })
        return Effect.promise(async () => plain(await Operation.execute({ schema, document, variableValues, contextValue })))
      }
      for (const variables of [{ first: 3 }, { first: "three" }, {}]) {
        // Without the cache nothing is reused, so graphql-js executes; with it, from the second run on the document runs compiled.
        const reference = yield* run(variables, 0)
        yield* run(variables)
        expect(yield* run(variables)).toEqual(reference)
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
