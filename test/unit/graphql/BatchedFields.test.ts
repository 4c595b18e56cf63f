/**
 * Batched fields (Loaders.field) without a database: every parent on a page joins one lookup, run as
 * one program; a parent without a key is answered without one; a lookup that fails answers its fields
 * INTERNAL_SERVER_ERROR, as a failed resolver program does.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import type { ModuleApi } from "../../../src/graphql/Context.js"
import * as Execute from "../../../src/graphql/Execute.js"
import { graphql } from "../../../src/graphql/GraphQLJs.js"
import * as Loaders from "../../../src/graphql/Loaders.js"
import * as GraphQLSchema from "../../../src/graphql/Schema.js"

const sdlDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-batched-"))
afterAll(() => Fs.rmSync(sdlDir, { recursive: true, force: true }))
const sdlFile = Path.join(sdlDir, "things.graphql")
Fs.writeFileSync(sdlFile, `
type Thing { id: String!, label: String }
extend type Query { things: [Thing!]! @public }
extend type Mutation { noop: Boolean @public }
`)

interface Thing {
  readonly id: string
  readonly labelKey: string | null
}

const things: ReadonlyArray<Thing> = [{ id: "a", labelKey: "x" }, { id: "b", labelKey: "y" }, { id: "c", labelKey: null }, { id: "d", labelKey: "x" }]

const moduleWith = (find: Loaders.Lookup<string, string, never>["find"]): ModuleApi<never> => {
  const labels = Loaders.lookup("test/labels", find)
  return {
    name: "things",
    sdlFile: pathToFileURL(sdlFile),
    Query: { things: () => Effect.succeed(things) },
    Mutation: { noop: () => Effect.succeed(true) },
    types: {
      Thing: { label: Loaders.field(labels, (thing: Thing) => thing.labelKey, (found) => Option.getOrElse(found, () => "none")) }
    }
  }
}

const run = (module: ModuleApi<never>) =>
  Effect.gen(function*() {
    const schema = yield* GraphQLSchema.make([module])
    // No bearer token: the principal is never looked up, so no PrincipalServices are needed.
    const runtime = yield* Effect.runtime<never>()
    const contextValue = Execute.makeContext(runtime as Parameters<typeof Execute.makeContext>[0], { requestId: "test", authorization: null, clientAddress: "127.0.0.1" })
    return yield* Effect.promise(() => graphql({ schema, source: "{ things { id label } }", contextValue }))
  })

describe("batched fields", () => {
  it.effect("load every parent's key in one batch, and answer a parent without a key from no lookup", () =>
    Effect.gen(function*() {
      const batches: Array<ReadonlyArray<string>> = []
      const result = yield* run(moduleWith((keys) =>
        Effect.sync(() => {
          batches.push(keys)
          return new Map(keys.filter((key) => key === "x").map((key) => [key, "found x"]))
        })
      ))
      expect(result.errors).toBeUndefined()
      expect(result.data).toEqual({
        things: [{ id: "a", label: "found x" }, { id: "b", label: "none" }, { id: "c", label: "none" }, { id: "d", label: "found x" }]
      })
      expect(batches).toEqual([["x", "y"]])
    }))

  it.effect("a failing lookup answers each of its fields INTERNAL_SERVER_ERROR, and the others still resolve", () =>
    Effect.gen(function*() {
      const result = yield* run(moduleWith(() => Effect.dieMessage("the database went away")))
      expect(result.data).toEqual({
        things: [{ id: "a", label: null }, { id: "b", label: null }, { id: "c", label: "none" }, { id: "d", label: null }]
      })
      expect(result.errors?.map((error) => [error.path, error.extensions["code"]])).toEqual(
        [0, 1, 3].map((index) => [["things", index, "label"], "INTERNAL_SERVER_ERROR"])
      )
    }))
})
