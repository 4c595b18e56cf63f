/**
 * The HTTP server: /graphql (GraphQL over HTTP; GraphiQL for browsers), /healthz and the routes given
 * (/metrics, /readyz, the JWKS), each request with a request id and an access log line (Edge.ts).
 * The layer also outputs HttpServer, so callers can read the bound address (tests listen on port 0).
 */
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Deferred, Duration, Effect, Exit, Layer, Option } from "effect"
import { createServer } from "node:http"
import type * as Http from "node:http"
import type * as Net from "node:net"
import type { ServerConfig } from "../Config.js"
import type * as Execute from "../graphql/Execute.js"
import type { GraphQLSchema } from "../graphql/GraphQLJs.js"
import type { QueryLimits } from "../graphql/Limits.js"
import * as GraphQLMetrics from "../observability/GraphQLMetrics.js"
import type * as AccessLog from "./AccessLog.js"
import * as EarlyRequests from "./EarlyRequests.js"
import * as Edge from "./Edge.js"
import * as GraphiQL from "./GraphiQL.js"
import * as GraphQLRoute from "./GraphQLRoute.js"

export const graphqlPath = "/graphql"

const notFound = HttpServerResponse.unsafeJson({ error: "Not found" }, { status: 404 })

/** What @effect/platform serves: GraphiQL, /healthz, and `routes` (the auth module's /.well-known/jwks.json, …). */
const router = (graphiql: Option.Option<GraphiQL.Assets>, routes: HttpRouter.HttpRouter<never, never>) =>
  HttpRouter.empty.pipe(
    HttpRouter.concat(GraphiQL.routes(graphiql, graphqlPath)),
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
  /** For a request that closed without its answer. */
  const of = (socket: Net.Socket): AccessLog.Connection => {
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
 * roll back, awaited). Keep-alive connections are closed as soon as they go idle, so a client cannot slip a new
 * request in. Released before the request handler is removed, and before the database closes.
 */
const drainOnClose = (server: Http.Server, timeout: Duration.Duration, cutAll: () => void, idle: Effect.Effect<void>) =>
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
      yield* idle
    })
  ))

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
  const requests = Edge.inFlight()
  // The edge's listener, attached once the server listens; requests that came between are handed on
  // then (EarlyRequests.ts).
  const serve = Layer.scopedDiscard(Effect.gen(function*() {
    const runtime = yield* Effect.runtime<R | Execute.PrincipalServices>()
    const graphiql = yield* GraphiQL.load(config.graphiql)
    const platform = yield* NodeHttpServer.makeHandler(Edge.platformMiddleware(router(graphiql, routes)))
    const graphql = GraphQLRoute.make<R>(runtime, schema, limits, config.trustProxy)
    const listener = Edge.make(runtime, {
      graphqlPath,
      graphiql: Option.isSome(graphiql),
      corsOrigins: config.corsOrigins,
      record,
      connectionOf: connection.of,
      requests
    }, graphql, platform)
    yield* Effect.acquireRelease(Effect.sync(() => server.on("request", listener)), () => Effect.sync(() => server.off("request", listener)))
    yield* early.release
  }))
  // Built last, released first: the drain runs while requests are still being handled.
  return drainOnClose(server, config.drainTimeout, connection.cutAll, requests.idle).pipe(
    Layer.provideMerge(serve),
    Layer.provideMerge(NodeHttpServer.layer(() => server, { host: config.host, port: config.port }))
  )
}

/** http://host:port of the bound server (the real port when asked for port 0). */
export const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress"
    ? `http://${server.address.hostname.includes(":") ? `[${server.address.hostname}]` : server.address.hostname}:${server.address.port}`
    : `unix:${server.address.path}`)
