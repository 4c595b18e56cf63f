/**
 * POST and GET /graphql through graphql-http's core handler (the GraphQL-over-HTTP spec: content
 * negotiation, GET only for queries, status codes), adapted to @effect/platform's request and response.
 */
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { GraphQLError, type GraphQLSchema, specifiedRules } from "../graphql/GraphQLJs.js"
import * as Limits from "../graphql/Limits.js"
import type { QueryLimits } from "../graphql/Limits.js"
import { createHandler, type Response } from "graphql-http"
import type { GraphQLContext } from "../graphql/Context.js"
import * as ErrorCodes from "../graphql/ErrorCodes.js"
import * as Execute from "../graphql/Execute.js"
import { RequestId } from "./RequestId.js"

/**
 * Resolver failures arrive here already coded (ErrorCodes.ts). An uncoded error that wraps a thrown
 * non-GraphQL error came from some other code path: masked like any defect. Errors graphql-js made
 * itself (syntax, validation, variable coercion) describe the client's request and pass unchanged.
 */
const formatError = (limits: QueryLimits) => (error: Readonly<GraphQLError | Error>): GraphQLError | Error => {
  if (!(error instanceof GraphQLError) || error.extensions["code"] !== undefined) return error
  if (error.originalError === undefined || error.originalError instanceof GraphQLError) {
    const message = Limits.withoutSuggestions(limits, error.message)
    return message === error.message
      ? error
      : new GraphQLError(message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, extensions: error.extensions })
  }
  // No request fiber here to log with; the default logger still records it.
  Effect.runFork(Effect.logError("GraphQL error outside a resolver program", error.originalError))
  return new GraphQLError(ErrorCodes.internalMessage, {
    path: error.path ?? [],
    extensions: { code: "INTERNAL_SERVER_ERROR" satisfies ErrorCodes.ErrorCode }
  })
}

const toResponse = ([body, init]: Response) => {
  const { "content-type": contentType, ...headers } = init.headers ?? {}
  const options = { status: init.status, statusText: init.statusText, headers }
  return body === null ? HttpServerResponse.empty(options) : HttpServerResponse.text(body, { ...options, contentType })
}

/** The route's handler; it runs resolvers on the request fiber's services, which must include R. */
export const make = <R>(schema: GraphQLSchema, limits: QueryLimits) => {
  type Context = GraphQLContext<R | Execute.PrincipalServices>
  // The per-request context travels in graphql-http's request and is handed to graphql-js as is.
  const handler = createHandler<HttpServerRequest.HttpServerRequest, Context, Context>({
    schema,
    context: (request) => request.context,
    formatError: formatError(limits),
    parse: Limits.parser(limits),
    validationRules: [...specifiedRules, ...Limits.validationRules(limits)]
  })
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const requestId = yield* RequestId
    const runtime = yield* Effect.runtime<R | Execute.PrincipalServices>()
    const body = request.method === "POST"
      ? yield* HttpIncomingMessage.withMaxBodySize(request.text, Option.some(limits.maxBodyBytes))
      : null
    const authorization = request.headers["authorization"] ?? null
    const response = yield* Effect.promise((signal) =>
      handler({
        method: request.method,
        url: request.url,
        headers: { get: (key) => request.headers[key.toLowerCase()] ?? null },
        body,
        raw: request,
        context: Execute.makeContext(runtime, { requestId, authorization, signal })
      })
    )
    return toResponse(response)
  }).pipe(
    Effect.catchTag("RequestError", (error) =>
      Effect.as(Effect.logInfo(`unreadable request body: ${error.message}`), HttpServerResponse.unsafeJson(
        { errors: [{ message: "The request body could not be read (too large, or the connection failed)" }] },
        { status: 400 }
      )))
  )
}
