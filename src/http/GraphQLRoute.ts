/**
 * POST and GET /graphql through graphql-http's core handler (the GraphQL-over-HTTP spec: content
 * negotiation, GET only for queries, status codes), on Node's request and response: the route enters
 * the Effect runtime only for the resolvers' programs and its log lines. (@effect/platform's server
 * and middleware cost about ten times the floor's CPU per request: bench/README.md.) Every error in
 * an answer has a code (ErrorCodes.ts) and the request's id; a request is bounded in size before its
 * body is read, and in time (REQUEST_TIMEOUT) while it runs.
 */
import { Duration, Effect, Either, Fiber, Runtime, type Tracer } from "effect"
import { createHandler, parseRequestParams, type RequestParams, type Response } from "graphql-http"
import type * as Http from "node:http"
import type { GraphQLContext } from "../graphql/Context.js"
import * as ErrorCodes from "../graphql/ErrorCodes.js"
import * as Execute from "../graphql/Execute.js"
import type { GraphQLError, GraphQLSchema } from "../graphql/GraphQLJs.js"
import * as Limits from "../graphql/Limits.js"
import type { QueryLimits } from "../graphql/Limits.js"
import * as Operation from "../graphql/Operation.js"
import * as ProxyTrust from "../kernel/ProxyTrust.js"
import type { GraphQLFacts } from "./AccessLog.js"
import * as Refusals from "./GraphQLRefusals.js"
import * as RequestBody from "./RequestBody.js"

interface PerRequest {
  readonly requestId: string
  readonly mediaType: Refusals.MediaType
  /** Runs a log line on the request fiber's runtime (its requestId annotation and logger); graphql-js calls back outside any fiber. */
  readonly log: (line: Effect.Effect<void>) => void
  /** What the access log and the metrics learn: the operation, whether it ran, each error's code. */
  readonly facts: GraphQLFacts & { executed: boolean }
  /**
   * True once the request has ended without its answer (timed out, client gone): the execution still
   * unwinding (its interrupted resolvers fail) is no part of what the request did.
   */
  readonly ended: () => boolean
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
    if (!request.ended()) request.facts.errorCodes.push(String(client.extensions["code"]))
    return ErrorCodes.withRequestId(client, request.requestId, Limits.withoutSuggestions(limits, client.message))
  }
  return createHandler<Http.IncomingMessage, Context, Context>({
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

/** What the request's run came to: an answer, the time limit, the client gone, or graphql-http's failure. */
type Settled =
  | { readonly _tag: "Answer"; readonly response: Response }
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Gone" }
  | { readonly _tag: "Failed"; readonly error: unknown }

const write = (response: Http.ServerResponse, [body, init]: Response) => {
  response.writeHead(init.status, init.statusText ?? "", init.headers)
  response.end(body ?? undefined)
}

/** What the edge (Edge.ts) hands the route besides Node's request and response. */
export interface Request {
  readonly requestId: string
  /** The request's span when tracing is on, parent of its resolvers' spans. */
  readonly span: Tracer.AnySpan | undefined
  /** Filled in as the route learns it, for the access log. */
  readonly facts: GraphQLFacts
}

/**
 * The route, answering on `response`; it resolves once the request has ended here, its resolvers
 * included. They run on `runtime`, which must provide R.
 */
export const make = <R>(runtime: Runtime.Runtime<R | Execute.PrincipalServices>, schema: GraphQLSchema, limits: QueryLimits, trust: ProxyTrust.ProxyTrust) => {
  const clientOf = ProxyTrust.resolver(trust)
  const runFork = Runtime.runFork(runtime)
  const timeoutMillis = Duration.toMillis(limits.requestTimeout)
  return async (source: Http.IncomingMessage, response: Http.ServerResponse, { requestId, span, facts: reported }: Request): Promise<void> => {
    const facts: PerRequest["facts"] = Object.assign(reported, { executed: false })
    const log = (line: Effect.Effect<void>) => runFork(Effect.annotateLogs(line, "requestId", requestId))
    const mediaType = Refusals.negotiate(source.headers["accept"])
    if (mediaType === undefined) {
      return write(response, refuse(facts, 406, "application/json", requestId, Refusals.notAcceptable, { accept: Refusals.accepted }))
    }
    // A declared length is refused before reading; a chunked body once it runs past the limit. Closing
    // the connection spares reading (and discarding) the rest.
    const tooLarge = () => {
      const message = `The request body is larger than ${limits.maxBodyBytes} bytes (GRAPHQL_MAX_BODY_BYTES)`
      write(response, refuse(facts, 413, mediaType, requestId, message, { connection: "close" }))
    }
    if (Number(source.headers["content-length"] ?? 0) > limits.maxBodyBytes) return tooLarge()
    let body: string | null = null
    if (source.method === "POST") {
      const read = await RequestBody.read(source, limits.maxBodyBytes)
      if (read._tag === "BodyTooLarge") return tooLarge()
      if (read._tag === "BodyUnreadable") {
        if (response.destroyed) return
        log(Effect.logInfo("unreadable request body", read.cause))
        return write(response, refuse(facts, 400, mediaType, requestId, "The request body could not be read"))
      }
      body = read.text
    }
    // A socket already gone has no address; such requests share one budget.
    const clientAddress = clientOf(source.socket.remoteAddress, headerOf(source, "x-forwarded-for") ?? undefined) ?? "unknown"
    let settledWithout = false
    const handler = handlerFor<GraphQLContext<R | Execute.PrincipalServices>>(schema, limits, { requestId, mediaType, log, facts, ended: () => settledWithout })
    // The request's resolvers: when it ends (answered, timed out, or its client gone) any still running
    // are interrupted, and awaited, so their transactions have rolled back before the answer leaves.
    const resolvers = new Set<Fiber.RuntimeFiber<unknown>>()
    const fork: Execute.Fork<R | Execute.PrincipalServices> = (effect) => {
      const fiber = runFork(effect)
      resolvers.add(fiber)
      fiber.addObserver(() => resolvers.delete(fiber))
      return fiber
    }
    const context = Execute.makeContext(runtime, { requestId, authorization: source.headers["authorization"] ?? null, clientAddress, span, onPrincipal: (principal) => facts.principal = principal.userId }, fork)
    let timer: NodeJS.Timeout | undefined
    let onClose: (() => void) | undefined
    const settled = await new Promise<Settled>((resolve) => {
      timer = setTimeout(() => resolve({ _tag: "Timeout" }), timeoutMillis)
      onClose = () => resolve({ _tag: "Gone" })
      response.once("close", onClose)
      handler({
        method: source.method ?? "GET",
        url: source.url ?? "/",
        // The negotiated type, so graphql-http answers in it too (it reads Accept in order, ignoring q).
        headers: { get: (key) => { const name = key.toLowerCase(); return name === "accept" ? mediaType : headerOf(source, name) } },
        body,
        raw: source,
        context
      }).then((answer) => resolve({ _tag: "Answer", response: answer }), (error: unknown) => resolve({ _tag: "Failed", error }))
    })
    clearTimeout(timer)
    response.off("close", onClose!)
    settledWithout = settled._tag === "Timeout" || settled._tag === "Gone"
    if (resolvers.size > 0) await Runtime.runPromise(runtime)(Fiber.interruptAll(resolvers))
    facts.outcome = facts.executed ? (facts.errorCodes.length === 0 ? "ok" : "errors") : "refused"
    switch (settled._tag) {
      case "Gone":
        return
      case "Answer":
        return write(response, settled.response)
      case "Failed":
        facts.errorCodes.push("INTERNAL_SERVER_ERROR")
        log(Effect.logError("GraphQL handler failed", settled.error))
        return write(response, Refusals.answer(500, mediaType, [ErrorCodes.withRequestId(ErrorCodes.internalError(), requestId)]))
      case "Timeout": {
        facts.outcome = "timeout"
        facts.errorCodes.push(ErrorCodes.requestCodes.timeout)
        const after = Duration.format(limits.requestTimeout)
        const message = `The request ran longer than ${after} (REQUEST_TIMEOUT) and was stopped; changes not yet committed were rolled back`
        log(Effect.logWarning(`request stopped after ${after} (REQUEST_TIMEOUT)`))
        return write(response, Refusals.answer(503, mediaType, [ErrorCodes.withRequestId(ErrorCodes.refusal("timeout", message), requestId)]))
      }
    }
  }
}

/** One header's value as graphql-http reads it (a repeated header joined, as the fetch API does). */
const headerOf = (source: Http.IncomingMessage, name: string): string | null => {
  const value = source.headers[name]
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value
}
