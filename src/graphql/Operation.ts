/**
 * A GraphQL request from its text to its result: parse (bounded by the token limit), validate
 * (graphql-js's rules and the query limits), pick the operation, coerce the variables, execute. Each
 * refusal is coded by the step that made it (ErrorCodes.requestCodes), so clients can tell a typo in
 * the document from a wrong variable without reading messages.
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
import * as ErrorCodes from "./ErrorCodes.js"
import * as Limits from "./Limits.js"
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

/**
 * Everything before execution. `onLimit` hears each query-limit refusal (for the request's log line;
 * graphql-js calls the rules outside any fiber).
 */
export const prepare = (
  schema: GraphQLSchema,
  limits: QueryLimits,
  onLimit: Limits.OnRefusal,
  query: string,
  operationName: string | null | undefined
): Either.Either<Prepared, ReadonlyArray<GraphQLError>> => {
  let document: DocumentNode
  try {
    document = Limits.parser(limits)(query)
  } catch (error) {
    // parse throws only GraphQLErrors (syntax, too many tokens); anything else is a fault, not a refusal.
    if (!(error instanceof GraphQLError)) throw error
    return Either.left([ErrorCodes.refusal("parse", error)])
  }
  const invalid = validate(schema, document, [...specifiedRules, ...Limits.validationRules(limits, onLimit)])
  if (invalid.length > 0) return Either.left(invalid.map((error) => ErrorCodes.refusal("validation", error)))
  return Either.map(Either.mapLeft(pick(document, operationName), (error) => [error]), (operation) => ({ document, operation }))
}

/**
 * graphql-js's execute, with its request errors coded: a result without `data` means execution never
 * started, and once the document is valid and its operation picked only the variables can stop it.
 */
export const execute = (args: ExecutionArgs): ReturnType<typeof executeDocument> => {
  const result = executeDocument(args)
  return "then" in result || "data" in result ? result : variablesRefused(result)
}

const variablesRefused = (result: ExecutionResult): ExecutionResult => ({
  errors: (result.errors ?? []).map((error) => ErrorCodes.refusal("variables", error))
})
