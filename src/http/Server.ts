/**
 * The HTTP server: /graphql (GraphQL over HTTP; GraphiQL for browsers), /healthz and the routes given
 * (/metrics, /readyz, the JWKS), each request with a request id and an access log line (AccessLog.ts). The layer also outputs HttpServer, so callers can read the bound address
 * (tests listen on port 0).
 */
import { type HttpApp, HttpMiddleware, HttpRouter, HttpServer, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { Deferred, Duration, Effect, Exit, Layer, type Option } from "effect"
import type { GraphQLSchema } from "../graphql/GraphQLJs.js"
import type { QueryLimits } from "../graphql/Limits.js"
import { createServer } from "node:http"
import type * as Http from "node:http"
import type * as Net from "node:net"
import type { ServerConfig } from "../Config.js"
import * as GraphQLMetrics from "../observability/GraphQLMetrics.js"
import * as AccessLog from "./AccessLog.js"
import * as ClientAddress from "./ClientAddress.js"
import * as EarlyRequests from "./EarlyRequests.js"
import * as GraphiQL from "./GraphiQL.js"
import * as GraphQLRoute from "./GraphQLRoute.js"
import * as RequestId from "./RequestId.js"

export const graphqlPath = "/graphql"

const notFound = HttpServerResponse.unsafeJson({ error: "Not found" }, { status: 404 })

/** `routes`: what modules serve besides GraphQL (the auth module's /.well-known/jwks.json). */
export const router = <R>(
  schema: GraphQLSchema,
  limits: QueryLimits,
  graphiql: Option.Option<GraphiQL.Assets>,
  routes: HttpRouter.HttpRouter<never, never>
) =>
  HttpRouter.empty.pipe(
    // `all`: graphql-http answers other methods with 405 and an Allow header, as the spec asks.
    HttpRouter.all(graphqlPath, GraphiQL.pageOr(graphiql, GraphQLRoute.make<R>(schema, limits))),
    HttpRouter.concat(GraphiQL.assetRoutes(graphiql)),
    HttpRouter.get("/healthz", Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok" }))),
    HttpRouter.concat(routes),
    Effect.catchTag("RouteNotFound", () => Effect.succeed(notFound))
  )

/**
 * Who closed a request's connection before its answer, for the access log (AccessLog.Connection).
 * `cutAll` is the drain's last resort: it marks the connections still open, then closes them, so
 * their requests are told from those whose clients had left (and Node's 408s, which destroy the
 * socket with their own error).
 */
const connections = (server: Http.Server) => {
  const open = new Set<Net.Socket>()
  const cut = new WeakSet<Net.Socket>()
  server.on("connection", (socket: Net.Socket) => {
    open.add(socket)
    socket.once("close", () => open.delete(socket))
  })
  const of: AccessLog.ConnectionOf = (request: HttpServerRequest.HttpServerRequest) => {
    const socket = NodeHttpServerRequest.toIncomingMessage(request).socket
    if (socket.writable) return "open"
    if (cut.has(socket)) return "drained"
    return (socket.errored as NodeJS.ErrnoException | null)?.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "receive_timeout" : "client_closed"
  }
  const cutAll = () => {
    // One its client already ended is not writable: that request was the client's to leave.
    for (const socket of open) if (socket.writable) cut.add(socket)
    server.closeAllConnections()
  }
  return { of, cutAll }
}

/**
 * Graceful shutdown: stop accepting, let requests in flight finish (their transactions commit) for
 * up to `timeout`, then close what is left (`cutAll`: their fibers are interrupted, their transactions
 * roll back). Keep-alive connections are closed as soon as they go idle, so a client cannot slip a new
 * request in. Released before the request handler is removed, and before the database closes.
 */
const drainOnClose = (server: Http.Server, timeout: Duration.Duration, cutAll: () => void) =>
  Layer.scopedDiscard(Effect.addFinalizer(() =>
    Effect.gen(function*() {
      if (!server.listening) return
      const closed = yield* Deferred.make<void>()
      server.close(() => Deferred.unsafeDone(closed, Exit.void))
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50)
      server.closeIdleConnections()
      // Finalizers are uninterruptible; the wait must not be, or the timeout could never end it.
      yield* Deferred.await(closed).pipe(
        Effect.interruptible,
        Effect.timeout(timeout),
        Effect.catchTag("TimeoutException", () =>
          Effect.logWarning(`requests still running after ${Duration.format(timeout)}; closing their connections`).pipe(
            Effect.zipRight(Effect.sync(cutAll)),
            Effect.zipRight(Deferred.await(closed))
          )),
        Effect.ensuring(Effect.sync(() => clearInterval(closeIdle)))
      )
    })
  ))

/**
 * On every response: no MIME sniffing, no referrer, no framing, and a policy that lets a JSON answer
 * load nothing; the one page (GraphiQL) brings a policy of its own.
 */
const securityHeaders = HttpMiddleware.make((app) =>
  Effect.map(app, (response) =>
    HttpServerResponse.setHeaders(response, {
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "content-security-policy": response.headers["content-security-policy"] ?? "default-src 'none'; frame-ancestors 'none'"
    })))

/** Cross-origin browser calls only from the configured origins; without any, no CORS headers at all. */
const cors = (origins: ReadonlyArray<string>) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  origins.length === 0 ? app : HttpMiddleware.cors({
    allowedOrigins: (origin) => origins.includes(origin),
    allowedMethods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["authorization", "content-type", "accept"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600
  })(app)

/**
 * Serves until the layer's scope closes; the resolvers' services (R) come from the caller. `record`
 * counts each GraphQL request in /metrics (GraphQLMetrics.recorder, bounded by METRICS_MAX_OPERATIONS).
 */
export const layer = <R>(
  schema: GraphQLSchema,
  config: ServerConfig,
  limits: QueryLimits,
  routes: HttpRouter.HttpRouter<never, never> = HttpRouter.empty,
  record: GraphQLMetrics.Recorder = GraphQLMetrics.recorder(GraphQLMetrics.defaultMaxOperations)
) => {
  // Slow clients are cut off (408) past HEADERS_TIMEOUT / RECEIVE_TIMEOUT. Node checks them on a
  // sweep, every 30 s by default, which would stretch a 10 s limit to 40 s; once a second keeps them close.
  const server = createServer({
    headersTimeout: Duration.toMillis(config.headersTimeout),
    requestTimeout: Duration.toMillis(config.receiveTimeout),
    connectionsCheckingInterval: 1000
  })
  const early = EarlyRequests.hold(server)
  const connection = connections(server)
  // Built last, released first: the drain runs while requests are still being handled. Requests that
  // came between listening and serving are handed on once the handler is there (EarlyRequests.ts).
  return drainOnClose(server, config.drainTimeout, connection.cutAll).pipe(
    Layer.provideMerge(Layer.effectDiscard(early.release)),
    Layer.provideMerge(Layer.unwrapEffect(Effect.map(GraphiQL.load(config.graphiql), (graphiql) => HttpServer.serve(
      RequestId.middleware(AccessLog.middleware(record, connection.of)(securityHeaders(cors(config.corsOrigins)(ClientAddress.middleware(config.trustProxy)(router<R>(schema, limits, graphiql, routes))))))
    )))),
    Layer.provideMerge(NodeHttpServer.layer(() => server, { host: config.host, port: config.port }))
  )
}

/** http://host:port of the bound server (the real port when asked for port 0). */
export const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress"
    ? `http://${server.address.hostname.includes(":") ? `[${server.address.hostname}]` : server.address.hostname}:${server.address.port}`
    : `unix:${server.address.path}`)
