/**
 * Assembles the executable schema: the edge's SDL (directives, empty root types) plus every module's
 * SDL file, each module extending Query and Mutation, and each root field bound to its module's
 * resolver behind the field's access rule. Mismatches between SDL and resolvers fail start-up.
 */
import { Data, Effect, Option } from "effect"
import { assertValidSchema, buildSchema, GraphQLObjectType, type GraphQLSchema } from "./GraphQLJs.js"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import type { GraphQLContext, ModuleApi, RootResolver } from "./Context.js"
import type { BatchedField } from "./Loaders.js"
import * as Directives from "./Directives.js"

export class SchemaError extends Data.TaggedError("SchemaError")<{ readonly reason: string }> {
  override get message() {
    return `Invalid GraphQL schema: ${this.reason}`
  }
}

/**
 * Modules add their fields with `extend type Query` / `extend type Mutation`, so none owns the roots.
 * PageInfo is shared by every module's connections (kernel/Connection.ts).
 */
const rootsSdl = `
type Query
type Mutation

"Where a page of a connection lies in its list (Relay Cursor Connections)."
type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}
`

const readSdl = (module: ModuleApi<unknown>) =>
  Effect.try({
    try: () => Fs.readFileSync(fileURLToPath(module.sdlFile), "utf8"),
    catch: (error) => new SchemaError({ reason: `${module.name}: cannot read ${module.sdlFile.href}: ${String(error)}` })
  })

const bind = <R>(schema: GraphQLSchema, type: GraphQLObjectType, resolvers: ReadonlyMap<string, RootResolver<R>>) => {
  const fields = type.getFields()
  for (const name of resolvers.keys()) {
    if (!(name in fields)) throw new Error(`${type.name}.${name} has a resolver but is not in any SDL`)
  }
  for (const field of Object.values(fields)) {
    const resolve = resolvers.get(field.name)
    if (resolve === undefined) throw new Error(`${type.name}.${field.name} is declared but has no resolver`)
    const rule = Directives.accessRule(schema, type.name, field)
    // A span per resolver when tracing is on (Telemetry.ts).
    const span = { name: `graphql ${type.name}.${field.name}` }
    field.resolve = (_source, args: Record<string, unknown>, context: GraphQLContext<R>) =>
      context.run(Directives.guard(rule, args, resolve(args)), span)
  }
}

/**
 * A batched field goes straight to the request's DataLoader: no program (and no fiber) per field,
 * one per batch; a parent with nothing to look up is answered synchronously.
 */
const batched = <R>(resolve: BatchedField<R>) => (source: unknown, _args: unknown, context: GraphQLContext<R>) => {
  const key = resolve.key(source)
  return key === null ? resolve.value(Option.none(), source) : context.load(resolve.lookup, key).then((found) => resolve.value(found, source))
}

const bindTypes = <R>(schema: GraphQLSchema, modules: ReadonlyArray<ModuleApi<R>>) => {
  for (const module of modules) {
    for (const [typeName, resolvers] of Object.entries(module.types ?? {})) {
      const type = schema.getType(typeName)
      if (!(type instanceof GraphQLObjectType)) throw new Error(`${module.name}: ${typeName} is not an object type in any SDL`)
      const fields = type.getFields()
      for (const [name, resolve] of Object.entries(resolvers)) {
        const field = fields[name]
        if (field === undefined) throw new Error(`${typeName}.${name} has a resolver but is not in any SDL`)
        if (field.resolve !== undefined) throw new Error(`${typeName}.${name} has more than one resolver`)
        const span = { name: `graphql ${typeName}.${name}` }
        field.resolve = typeof resolve === "function"
          ? (source, args: Record<string, unknown>, context: GraphQLContext<R>) => context.run(resolve(source, args), span)
          : batched(resolve)
      }
    }
  }
}

const entries = <R>(modules: ReadonlyArray<ModuleApi<R>>, root: "Query" | "Mutation") => {
  const byName = new Map<string, RootResolver<R>>()
  for (const module of modules) {
    for (const [name, resolve] of Object.entries(module[root])) {
      if (byName.has(name)) throw new Error(`${root}.${name} is defined by more than one module`)
      byName.set(name, resolve)
    }
  }
  return byName
}

/** The schema for these modules; its resolvers expect a GraphQLContext<R> (Execute.makeContext). */
export const make = <R>(modules: ReadonlyArray<ModuleApi<R>>): Effect.Effect<GraphQLSchema, SchemaError> =>
  Effect.gen(function*() {
    const sdls = yield* Effect.forEach(modules, readSdl)
    return yield* Effect.try({
      try: () => {
        const schema = buildSchema([Directives.sdl, rootsSdl, ...sdls].join("\n"))
        bind(schema, schema.getQueryType()!, entries(modules, "Query"))
        bind(schema, schema.getMutationType()!, entries(modules, "Mutation"))
        bindTypes(schema, modules)
        assertValidSchema(schema)
        return schema
      },
      catch: (error) => new SchemaError({ reason: error instanceof Error ? error.message : String(error) })
    })
  })
