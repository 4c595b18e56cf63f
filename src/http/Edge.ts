/**
 * The server's one request listener, on node:http. Every request gets its id (x-request-id), the
 * security and CORS headers (ResponseHeaders.ts), and one access log line with its counts when it
 * ends (AccessLog.ts). GraphQL requests to /graphql are answered by GraphQLRoute.ts, which enters the
 * Effect runtime only for the resolvers' programs; the rest (/healthz, GraphiQL, the modules' routes)
 * go to @effect/platform's router, where the request's state follows it (`platformRequests`).
 */
import type { HttpApp } from "@effect/platform"
import { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Cause, Effect, Option, type Runtime } from "effect"
import type * as Http from "node:http"
import type * as Net from "node:net"
import type * as GraphQLMetrics from "../observability/GraphQLMetrics.js"
import * as RuntimeLog from "../observability/RuntimeLog.js"
import * as AccessLog from "./AccessLog.js"
import * as GraphiQL from "./GraphiQL.js"
import type * as GraphQLRoute from "./GraphQLRoute.js"
import * as RequestId from "./RequestId.js"
import * as ResponseHeaders from "./ResponseHeaders.js"
import * as ServerSpan from "./ServerSpan.js"

interface PlatformRequest {
  readonly requestId: string
  failure: Option.Option<Cause.Cause<unknown>>
}

const platformRequests = new WeakMap<Http.IncomingMessage, PlatformRequest>()

/** For the router's app: the request's id on its log lines, and its failure noted for the access log. */
export const platformMiddleware = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const state = platformRequests.get(NodeHttpServerRequest.toIncomingMessage(request))
    if (state === undefined) return app
    return app.pipe(
      Effect.tapErrorCause((cause) => Effect.sync(() => state.failure = Cause.isInterruptedOnly(cause) ? Option.none() : Option.some(cause))),
      Effect.annotateLogs("requestId", state.requestId)
    )
  })

/** The requests still being handled: the drain waits for them, their resolvers included, after the server closed. */
export const inFlight = () => {
  const pending = new Set<Promise<unknown>>()
  return {
    track: (ended: Promise<unknown>) => {
      pending.add(ended)
      void ended.then(() => pending.delete(ended))
    },
    idle: Effect.promise(() => Promise.all(pending))
  }
}

export interface Options {
  readonly graphqlPath: string
  readonly graphiql: boolean
  readonly corsOrigins: ReadonlyArray<string>
  readonly record: GraphQLMetrics.Recorder
  /** Who closed a connection that closed before its answer (Server.ts). */
  readonly connectionOf: (socket: Net.Socket) => AccessLog.Connection
  readonly requests: ReturnType<typeof inFlight>
}

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

export const make = <R>(
  runtime: Runtime.Runtime<R>,
  options: Options,
  graphql: (source: Http.IncomingMessage, response: Http.ServerResponse, request: GraphQLRoute.Request) => Promise<void>,
  platform: (source: Http.IncomingMessage, response: Http.ServerResponse) => void
) => {
  const headers = ResponseHeaders.make(options.corsOrigins)
  const write = AccessLog.write(RuntimeLog.make(runtime), options.record)
  return (source: Http.IncomingMessage, response: Http.ServerResponse): void => {
    const started = performance.now()
    const requestId = RequestId.of(source.headers)
    const path = pathOf(source.url ?? "/")
    response.setHeader(RequestId.header, requestId)
    const closed = new Promise<void>((resolve) => response.once("close", resolve))
    let ended: Promise<unknown> = closed
    let facts: AccessLog.GraphQLFacts | undefined
    let span: ReturnType<typeof ServerSpan.start>
    const platformRequest: PlatformRequest = { requestId, failure: Option.none() }
    if (!headers(source, response)) {
      if (path === options.graphqlPath && !(options.graphiql && GraphiQL.wantsPage(source.method, source.headers["accept"]))) {
        facts = { outcome: "refused", errorCodes: [] }
        span = ServerSpan.start(runtime, source, path)
        ended = Promise.all([closed, graphql(source, response, { requestId, span, facts })])
      } else {
        platformRequests.set(source, platformRequest)
        platform(source, response)
      }
    }
    options.requests.track(ended)
    void ended.then(() => {
      const connection = response.writableFinished ? "open" : options.connectionOf(source.socket)
      if (span !== undefined) ServerSpan.end(runtime, span, response.statusCode)
      write(requestId, {
        method: source.method ?? "GET",
        path,
        status: response.statusCode,
        connection,
        seconds: (performance.now() - started) / 1000,
        graphql: facts,
        failure: platformRequest.failure
      })
    })
  }
}
