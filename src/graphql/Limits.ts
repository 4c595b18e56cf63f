/**
 * Bounds on the work one request may ask for, checked before any resolver runs: the body's size
 * (read before parsing), tokens (parse stops early), depth, aliases, directives and an estimated cost. Each is
 * configurable (GRAPHQL_MAX_*); a refused document is answered 400 with a message naming the limit,
 * and logged. The depth, alias, directive and cost rules are graphql-armor's. The time a request may
 * run (REQUEST_TIMEOUT) is kept here too, and enforced by the route.
 */
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit"
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases"
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth"
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives"
import type { Duration } from "effect"
import type { DocumentCacheSettings } from "./DocumentCache.js"
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  type Source,
  type ValidationContext,
  type ValidationRule
} from "./GraphQLJs.js"

export interface QueryLimits {
  /** The request body, read before anything is parsed. */
  readonly maxBodyBytes: number
  readonly maxTokens: number
  readonly maxDepth: number
  readonly maxAliases: number
  readonly maxDirectives: number
  readonly maxCost: number
  /** Whether clients may query the schema (__schema, __type); off in production by default. */
  readonly introspection: boolean
  /** Whether error messages suggest names ("Did you mean …?"), which maps the schema out; off in production by default. */
  readonly suggestions: boolean
  /** How long a request may run once its body is read; then its resolvers are interrupted (transactions roll back). */
  readonly requestTimeout: Duration.Duration
  /** Valid documents kept by their text, so a repeated query is not parsed and validated again (DocumentCache.ts). */
  readonly documentCache: DocumentCacheSettings
}

/** Hears each refusal by a limit, to log it with the request's id (no request fiber runs validation). */
export type OnRefusal = (limit: string, message: string) => void

/**
 * A refusal becomes a validation error (a 400 listing them all; armor's default throws the first one
 * instead), without the "Syntax Error:" armor puts in front: the document parsed, it asks for too much.
 */
const rejection = (limit: string, onRefusal: OnRefusal) => ({
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => {
    const message = error.message.replace(/^Syntax Error: /, "")
    context?.reportError(new GraphQLError(message, { nodes: error.nodes ?? null }))
    onRefusal(limit, message)
  }]
})

/** The validation rules to add to graphql-js's specified ones. */
export const validationRules = (limits: QueryLimits, onRefusal: OnRefusal): ReadonlyArray<ValidationRule> => [
  maxDepthRule({ n: limits.maxDepth, ...rejection("depth", onRefusal) }),
  maxAliasesRule({ n: limits.maxAliases, ...rejection("alias", onRefusal) }),
  maxDirectivesRule({ n: limits.maxDirectives, ...rejection("directive", onRefusal) }),
  costLimitRule({ maxCost: limits.maxCost, ...rejection("cost", onRefusal) }),
  ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule])
]

const suggestion = / ?Did you mean [^?]*\?/g

/** A graphql-js message without its "Did you mean …?" part, unless suggestions are on. */
export const withoutSuggestions = (limits: QueryLimits, message: string) =>
  limits.suggestions ? message : message.replace(suggestion, "")

/** graphql-js's parser, stopping at `maxTokens`, so an enormous document costs no more than a long one. */
export const parser = (limits: QueryLimits) => (source: string | Source) => parse(source, { maxTokens: limits.maxTokens })
