/**
 * Documents the cache keeps run compiled by graphql-jit: it turns a document into a function that
 * walks exactly its selections, without graphql-js's per-field interpretation (field lookups, path
 * objects, a completion step per value). Compiling costs more than one execution, so only documents
 * seen again (cache hits) are compiled, once each; the others, and any graphql-jit cannot compile,
 * run on graphql-js's execute. The results are the same; the errors are made graphql-js's again here
 * so that ErrorCodes.ts reads them as it reads graphql-js's.
 */
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit"
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, GraphQLError, type SourceLocation } from "./GraphQLJs.js"

type Query = CompiledQuery["query"]

/** Documents the cache handed out again: worth compiling. */
const reused = new WeakSet<DocumentNode>()

export const markReused = (document: DocumentNode) => reused.add(document)

/** By document, then operation name ("" for none); undefined when graphql-jit refused to compile it. */
const compiled = new WeakMap<DocumentNode, Map<string, Query | undefined>>()

const queryFor = (args: ExecutionArgs): Query | undefined => {
  if (!reused.has(args.document)) return undefined
  const byOperation = compiled.get(args.document) ?? new Map<string, Query | undefined>()
  compiled.set(args.document, byOperation)
  const name = args.operationName ?? ""
  if (byOperation.has(name)) return byOperation.get(name)
  const result = compileQuery(args.schema, args.document, args.operationName ?? undefined)
  const query = isCompiledQuery(result) ? result.query : undefined
  byOperation.set(name, query)
  return query
}

/** Offsets in `body` of graphql-js's line and column (both from 1; lines end at \r\n, \n or \r). */
const positionOf = (body: string, location: SourceLocation): number => {
  let start = 0
  const lineEnds = /\r\n|[\n\r]/g
  for (let line = 1; line < location.line && lineEnds.exec(body) !== null; line++) start = lineEnds.lastIndex
  return start + location.column - 1
}

/**
 * graphql-jit's errors carry `locations` and no source; graphql-js's carry the source and offsets,
 * which ErrorCodes.withRequestId keeps. Its extensions are undefined when the cause had none.
 */
const asGraphQLJsError = (document: DocumentNode) => (error: GraphQLError): GraphQLError => {
  const source = document.loc?.source
  const locations: ReadonlyArray<SourceLocation> = error.locations ?? []
  return new GraphQLError(error.message, {
    source: source ?? null,
    positions: source === undefined || locations.length === 0 ? null : locations.map((location) => positionOf(source.body, location)),
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: error.extensions ?? null
  })
}

const withGraphQLJsErrors = (document: DocumentNode) => (result: ExecutionResult): ExecutionResult =>
  result.errors === undefined ? result : { ...result, errors: result.errors.map(asGraphQLJsError(document)) }

/** The compiled run of `args`, or undefined when it is not compiled (yet, or ever): then graphql-js executes it. */
export const execute = (args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> | undefined => {
  const query = queryFor(args)
  if (query === undefined) return undefined
  const result = query(args.rootValue, args.contextValue, args.variableValues)
  // No data: the variables were refused and nothing ran. graphql-js refuses them again, in its own
  // words (graphql-jit's coercion messages are an older copy's, without "Did you mean …?").
  if (!("then" in result) && !("data" in result)) return undefined
  return "then" in result ? result.then(withGraphQLJsErrors(args.document)) : withGraphQLJsErrors(args.document)(result)
}
