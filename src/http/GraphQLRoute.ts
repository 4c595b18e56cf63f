/**
 * POST and GET /graphql through graphql-http's core handler (the GraphQL-over-HTTP spec: content
 * negotiation, GET only for queries, status codes), adapted to @effect/platform's request and response.
 * Every error in an answer has a code (ErrorCodes.ts) and the request's id; a request is bounded in
 * size before its body is read, and in time (REQUEST_TIMEOUT) while it runs.
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Duration, Effect, Either, FiberSet, Option, Runtime } from "effect"
import { createHandler, parseRequestParams, type RequestParams, type Response } from "graphql-http"
import type { GraphQLContext } from "../graphql/Context.js"
import * as ErrorCodes from "../graphql/ErrorCodes.js"
import * as Execute from "../graphql/Execute.js"
import type { GraphQLError, GraphQLSchema } from "../graphql/GraphQLJs.js"
import * as Limits from "../graphql/Limits.js"
import type { QueryLimits } from "../graphql/Limits.js"
import * as Operation from "../graphql/Operation.js"
import { type GraphQLFacts, RequestFacts } from "./AccessLog.js"
import * as Refusals from "./GraphQLRefusals.js"
import * as RequestBody from "./RequestBody.js"
import { RequestId } from "./RequestId.js"

interface PerRequest {
  readonly requestId: string
  readonly mediaType: Refusals.MediaType
  /** Runs a log line on the request fiber's runtime (its requestId annotation and logger); graphql-js calls back outside any fiber. */
  readonly log: (line: Effect.Effect<void>) => void
  /** What the access log and the metrics learn: the operation, whether it ran, each error's code. */
  readonly facts: GraphQLFacts & { executed: boolean }
}

/** Refusals.refuse, with its code noted for the access log (its errors never pass through formatError). */
const refuse = (facts: PerRequest["facts"], ...args: Parameters<typeof Refusals.refuse>) => {
  facts.errorCodes.push(ErrorCodes.requestCodes.request)
  return Refusals.refuse(...args)
}

const isResponse = (value: RequestParams | Response): value is Response => Array.isArray(value)

/**
 * graphql-http's handler for one request. Ours are the steps before execution (Operation.prepare,
 * then Operation.variables, so each refusal is coded by its step), the refusals of malformed requests
 * (with a body saying what to fix), and the error formatting (ErrorCodes.forClient, then the request id).
 */
const handlerFor = <Context extends GraphQLContext<never>>(schema: GraphQLSchema, limits: QueryLimits, request: PerRequest) => {
  const formatError = (error: Readonly<GraphQLError | Error>): GraphQLError => {
    const client = ErrorCodes.forClient(error, (fault) => request.log(Effect.logError("GraphQL error outside a resolver program", fault)))
    request.facts.errorCodes.push(String(client.extensions["code"]))
    return ErrorCodes.withRequestId(client, request.requestId, Limits.withoutSuggestions(limits, client.message))
  }
  return createHandler<HttpServerRequest.HttpServerRequest, Context, Context>({
    schema,
    parseRequestParams: async (req) => {
      // graphql-http takes an array for an object without a query; say what it is instead.
      if (typeof req.body === "string" && req.body.trimStart().startsWith("[")) {
        return refuse(request.facts, 400, request.mediaType, request.requestId, Refusals.batchRefused)
      }
      try {
        const params = await parseRequestParams(req)
        if (!isResponse(params)) return params
        const [, init] = params
        return refuse(request.facts, init.status, request.mediaType, request.requestId, Refusals.emptyAnswerMessage(init.status, req.method), init.headers)
      } catch (error) {
        return refuse(request.facts, 400, request.mediaType, request.requestId, Refusals.parameterMessage(error instanceof Error ? error.message : String(error)))
      }
    },
    onSubscribe: (req, params) => {
      const onLimit: Limits.OnRefusal = (limit, message) => request.log(Effect.logInfo(`document refused by the ${limit} limit: ${message}`))
      const prepared = Operation.prepare(schema, limits, onLimit, params.query, params.operationName)
      if (Either.isLeft(prepared)) return prepared.left
      const { document, operation } = prepared.right
      request.facts.operationName = operation.name?.value ?? null
      request.facts.operationType = operation.operation
      if (operation.operation === "mutation" && req.method === "GET") {
        return refuse(request.facts, 405, request.mediaType, request.requestId, "GET may only run queries: POST mutations", { allow: "POST" })
      }
      const variableValues = Operation.variables(operation, params.variables, limits.maxDepth)
      if (Either.isLeft(variableValues)) return [variableValues.left]
      return { schema, document, operationName: params.operationName ?? null, variableValues: variableValues.right, contextValue: req.context }
    },
    execute: Operation.execute,
    // No data: execution never started (the variables were refused). graphql-http would answer 200
    // whatever the media type; the spec wants a 4xx for application/graphql-response+json.
    onOperation: (_req, _args, result) => {
      request.facts.executed = "data" in result
      return "data" in result ? undefined : Refusals.answer(Refusals.requestErrorStatus(request.mediaType), request.mediaType, (result.errors ?? []).map(formatError))
    },
    formatError
  })
}

const toResponse = ([body, init]: Response) => {
  const { "content-type": contentType, ...headers } = init.headers ?? {}
  const options = { status: init.status, statusText: init.statusText, headers }
  return body === null ? HttpServerResponse.empty(options) : HttpServerResponse.text(body, { ...options, contentType })
}

/**
 * The promise's result, or None once `timeout` has passed (or its failure, as Effect.tryPromise
 * gives it). A timer where Effect.timeoutOption would fork a fiber to race a sleep and join it: on
 * `{ __typename }` at 32 connections that cost 0.11 of 0.63 ms of CPU per request.
 */
const promiseWithin = <A>(timeout: Duration.Duration, evaluate: () => Promise<A>) =>
  Effect.async<Option.Option<A>, Cause.UnknownException>((resume) => {
    let settled = false
    const settle = (result: Effect.Effect<Option.Option<A>, Cause.UnknownException>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(result)
    }
    const timer = setTimeout(() => settle(Effect.succeedNone), Duration.toMillis(timeout))
    evaluate().then(
      (value) => settle(Effect.succeedSome(value)),
      (error: unknown) => settle(Effect.fail(new Cause.UnknownException(error)))
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
    })
  })

/** The route's handler; it runs resolvers on the request fiber's services, which must include R. */
export const make = <R>(schema: GraphQLSchema, limits: QueryLimits) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const requestId = yield* RequestId
    const facts: PerRequest["facts"] = { outcome: "refused", errorCodes: [], executed: false }
    const reported = yield* RequestFacts
    reported.graphql = facts
    const mediaType = Refusals.negotiate(request.headers["accept"])
    if (mediaType === undefined) {
      return toResponse(refuse(facts, 406, "application/json", requestId, Refusals.notAcceptable, { accept: Refusals.accepted }))
    }
    // A declared length is refused before reading; a chunked body once it runs past the limit. Closing
    // the connection spares reading (and discarding) the rest.
    const tooLarge = () => {
      const message = `The request body is larger than ${limits.maxBodyBytes} bytes (GRAPHQL_MAX_BODY_BYTES)`
      return toResponse(refuse(facts, 413, mediaType, requestId, message, { connection: "close" }))
    }
    if (Number(request.headers["content-length"] ?? 0) > limits.maxBodyBytes) return tooLarge()
    const runtime = yield* Effect.runtime<R | Execute.PrincipalServices>()
    const read = request.method === "POST" ? yield* Effect.either(RequestBody.read(request, limits.maxBodyBytes)) : Either.right(null)
    if (Either.isLeft(read)) {
      if (read.left._tag === "BodyTooLarge") return tooLarge()
      yield* Effect.logInfo("unreadable request body", read.left.cause)
      return toResponse(refuse(facts, 400, mediaType, requestId, "The request body could not be read"))
    }
    const body = read.right
    const authorization = request.headers["authorization"] ?? null
    // Set by ClientAddress.middleware; a socket already gone has none, and such requests share one budget.
    const clientAddress = Option.getOrElse(request.remoteAddress, () => "unknown")
    const handler = handlerFor<GraphQLContext<R | Execute.PrincipalServices>>(schema, limits, {
      requestId,
      mediaType,
      log: (line) => Runtime.runFork(runtime)(line),
      facts
    })
    // Resolvers run in this scope's FiberSet: when it closes (the answer is ready, the timeout struck,
    // or the client went away) any still running are interrupted, and awaited, so their transactions
    // have rolled back before the answer leaves.
    const run = Effect.scoped(Effect.gen(function*() {
      const fork = yield* FiberSet.makeRuntime<R | Execute.PrincipalServices, unknown, GraphQLError>()
      return yield* promiseWithin(limits.requestTimeout, () =>
        handler({
          method: request.method,
          url: request.url,
          // The negotiated type, so graphql-http answers in it too (it reads Accept in order, ignoring q).
          headers: { get: (key) => key.toLowerCase() === "accept" ? mediaType : request.headers[key.toLowerCase()] ?? null },
          body,
          raw: request,
          context: Execute.makeContext(runtime, { requestId, authorization, clientAddress, onPrincipal: (principal) => facts.principal = principal.userId }, fork)
        })
      )
    }))
    const answer = yield* run.pipe(
      Effect.catchTag("UnknownException", (error) => {
        facts.errorCodes.push("INTERNAL_SERVER_ERROR")
        return Effect.as(Effect.logError("GraphQL handler failed", error.error), Option.some(Refusals.answer(500, mediaType, [ErrorCodes.withRequestId(ErrorCodes.internalError(), requestId)])))
      })
    )
    facts.outcome = facts.executed ? (facts.errorCodes.length === 0 ? "ok" : "errors") : "refused"
    return toResponse(yield* Option.match(answer, {
      onSome: Effect.succeed,
      onNone: () => {
        facts.outcome = "timeout"
        facts.errorCodes.push(ErrorCodes.requestCodes.timeout)
        const after = Duration.format(limits.requestTimeout)
        const message = `The request ran longer than ${after} (REQUEST_TIMEOUT) and was stopped; changes not yet committed were rolled back`
        const error = ErrorCodes.withRequestId(ErrorCodes.refusal("timeout", message), requestId)
        return Effect.as(Effect.logWarning(`request stopped after ${after} (REQUEST_TIMEOUT)`), Refusals.answer(503, mediaType, [error]))
      }
    }))
  })
