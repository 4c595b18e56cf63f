/**
 * A GraphQL request from its text to its result: parse (bounded by the token limit), validate
 * (graphql-js's rules and the query limits), pick the operation, check and coerce the variables,
 * execute. Each refusal is coded by the step that made it (ErrorCodes.requestCodes), so clients can
 * tell a typo in the document from a wrong variable without reading messages.
 */
import { Either } from "effect"
import {
  type DocumentNode,
  execute as executeDocument,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type GraphQLSchema,
  specifiedRules,
  validate
} from "./GraphQLJs.js"
import * as Compiled from "./Compiled.js"
import * as DocumentCache from "./DocumentCache.js"
import * as ErrorCodes from "./ErrorCodes.js"
import * as Limits from "./Limits.js"
import * as NulCharacters from "./NulCharacters.js"
import type { QueryLimits } from "./Limits.js"

export interface Prepared {
  readonly document: DocumentNode
  readonly operation: OperationDefinitionNode
}

/** The operation `operationName` names, or the only one when it names none (graphql-js's rule). */
const pick = (document: DocumentNode, operationName: string | null | undefined): Either.Either<OperationDefinitionNode, GraphQLError> => {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode =>
    definition.kind === Kind.OPERATION_DEFINITION
  )
  if (operationName == null) {
    return operations.length === 1
      ? Either.right(operations[0]!)
      : Either.left(ErrorCodes.refusal("operation", "Must provide operationName: the document contains several operations"))
  }
  const named = operations.find((operation) => operation.name?.value === operationName)
  return named === undefined
    ? Either.left(ErrorCodes.refusal("operation", `Unknown operation named "${operationName}"`))
    : Either.right(named)
}

const validDocument = (
  schema: GraphQLSchema,
  limits: QueryLimits,
  onLimit: Limits.OnRefusal,
  query: string
): Either.Either<DocumentNode, ReadonlyArray<GraphQLError>> => {
  let document: DocumentNode
  try {
    document = Limits.parser(limits)(query)
  } catch (error) {
    // parse throws only GraphQLErrors (syntax, too many tokens); anything else is a fault, not a refusal.
    if (!(error instanceof GraphQLError)) throw error
    return Either.left([ErrorCodes.refusal("parse", error)])
  }
  const invalid = validate(schema, document, [...specifiedRules, NulCharacters.noNulInLiterals, ...Limits.validationRules(limits, onLimit)])
  return invalid.length > 0 ? Either.left(invalid.map((error) => ErrorCodes.refusal("validation", error))) : Either.right(document)
}

/**
 * One document cache per schema and limits, that is per server: a document valid for one is not
 * checked for another. Weakly held, so a server's cache goes with its schema.
 */
const caches = new WeakMap<GraphQLSchema, WeakMap<QueryLimits, DocumentCache.DocumentCache>>()

const cacheFor = (schema: GraphQLSchema, limits: QueryLimits) => {
  const bySchema = caches.get(schema) ?? new WeakMap<QueryLimits, DocumentCache.DocumentCache>()
  caches.set(schema, bySchema)
  const cache = bySchema.get(limits) ?? DocumentCache.make(limits.documentCache)
  bySchema.set(limits, cache)
  return cache
}

/**
 * Everything before execution. `onLimit` hears each query-limit refusal (for the request's log line;
 * graphql-js calls the rules outside any fiber). A query text already found valid is not parsed or
 * validated again (DocumentCache.ts).
 */
export const prepare = (
  schema: GraphQLSchema,
  limits: QueryLimits,
  onLimit: Limits.OnRefusal,
  query: string,
  operationName: string | null | undefined
): Either.Either<Prepared, ReadonlyArray<GraphQLError>> => {
  const cache = cacheFor(schema, limits)
  const cached = cache.get(query)
  if (cached !== undefined) Compiled.markReused(cached)
  const document = cached === undefined ? validDocument(schema, limits, onLimit, query) : Either.right(cached)
  if (cached === undefined && Either.isRight(document)) cache.set(query, document.right)
  return Either.flatMap(document, (valid) =>
    Either.map(Either.mapLeft(pick(valid, operationName), (error) => [error]), (operation) => ({ document: valid, operation })))
}

/** Whether `value` nests lists or objects more than `maxDepth` levels deep; a walk with its own stack, so it cannot overflow. */
const deeperThan = (value: unknown, maxDepth: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 0]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, enclosing] = next
    if (typeof item !== "object" || item === null) continue
    if (enclosing >= maxDepth) return true
    for (const child of Object.values(item)) pending.push([child, enclosing + 1])
  }
  return false
}

/**
 * The variables `operation` declares, checked. The others are dropped unread: graphql-js ignores
 * them, so nothing (this check included) walks them. A declared one nested deeper than `maxDepth`
 * (GRAPHQL_MAX_DEPTH, the document's own bound, beyond any input type worth declaring) is refused
 * before graphql-js's coercion recurses into it, and so is one holding a NUL (NulCharacters.ts).
 */
export const variables = (
  operation: OperationDefinitionNode,
  given: Readonly<Record<string, unknown>> | null | undefined,
  maxDepth: number
): Either.Either<Record<string, unknown>, GraphQLError> => {
  // fromEntries: a variable named `__proto__` stays a variable, not the object's prototype.
  const declared = Object.fromEntries((operation.variableDefinitions ?? []).flatMap(({ variable }) =>
    given != null && Object.hasOwn(given, variable.name.value) ? [[variable.name.value, given[variable.name.value]]] : []
  ))
  const tooDeep = Object.keys(declared).find((name) => deeperThan(declared[name], maxDepth))
  if (tooDeep !== undefined) {
    return Either.left(ErrorCodes.refusal("variables", `Variable $${tooDeep} is nested deeper than ${maxDepth} levels (GRAPHQL_MAX_DEPTH)`))
  }
  const nul = NulCharacters.nulInVariables(declared)
  return nul === undefined ? Either.right(declared) : Either.left(ErrorCodes.refusal("variables", NulCharacters.variableMessage(nul)))
}

/**
 * graphql-js's execute, or the document's compiled run (Compiled.ts), with its request errors coded:
 * a result without `data` means execution never started, and once the document is valid, its
 * operation picked and its variables checked (`variables`), only their coercion can stop it.
 */
export const execute = (args: ExecutionArgs): ReturnType<typeof executeDocument> => {
  const result = Compiled.execute(args) ?? executeDocument(args)
  return "then" in result || "data" in result ? result : variablesRefused(result)
}

const variablesRefused = (result: ExecutionResult): ExecutionResult => ({
  errors: (result.errors ?? []).map((error) => ErrorCodes.refusal("variables", error))
})
