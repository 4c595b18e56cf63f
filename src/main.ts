/**
 * The composition root: reads Config once, picks an adapter for every port, creates the first
 * administrator on an empty database, then serves GraphQL until interrupted (SIGINT/SIGTERM close
 * the server, the database and the data-directory lock in reverse order).
 */
import { HttpMiddleware } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, Option } from "effect"
import * as SigningKeys from "./auth/adapters/SigningKeys.js"
import * as Bootstrap from "./auth/Bootstrap.js"
import * as AuthApi from "./auth/graphql/Resolvers.js"
import * as Composition from "./Composition.js"
import * as AppConfig from "./Config.js"
import { DatabaseInfo } from "./database/DatabaseInfo.js"
import * as GraphQLSchema from "./graphql/Schema.js"
import * as Server from "./http/Server.js"
import * as Dispatcher from "./kernel/Dispatcher.js"
import * as FairScheduler from "./kernel/FairScheduler.js"
import * as JetStream from "./worker/JetStream.js"
import * as Relay from "./worker/Relay.js"

const announceStart = Effect.gen(function*() {
  const url = `${yield* Server.baseUrl}${Server.graphqlPath}`
  const database = yield* DatabaseInfo
  const where = database.mode === "embedded" ? `embedded PGlite at ${database.description}` : `PostgreSQL at ${database.description}`
  yield* Effect.logInfo(`kingdom-server listening on ${url} (database: ${where})`)
})

const program = Effect.gen(function*() {
  const settings = yield* AppConfig.serverSettings
  // Workers share the database; the embedded one belongs to this process, and its single session
  // would also stall behind a relay waiting on an unreachable broker.
  if (Option.isSome(settings.nats.url) && Option.isNone(settings.database.url)) {
    return yield* new Composition.ConfigurationError({ reason: "NATS_URL needs DATABASE_URL: workers share the database with the server" })
  }
  const keys = yield* SigningKeys.resolve({ ...settings.token, environment: settings.environment, dataDir: settings.database.dataDir })
  const schema = yield* GraphQLSchema.make([AuthApi.api])

  // Without NATS this process runs every subscriber itself, from the deliveries table; with NATS it
  // relays the outbox to JetStream and workers (`npm run worker`, a Lambda) run them.
  const local = Option.isSome(settings.nats.url) ? [] : Composition.subscribers
  const services = Composition.serverServices(settings, keys, local)
  const dispatcher = local.length === 0 ? Layer.empty : Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(local, settings.events)))
  const relay = Option.match(settings.nats.url, {
    onNone: () => Layer.empty,
    onSome: (url) =>
      Layer.scopedDiscard(Effect.forkScoped(Relay.run({ batchSize: settings.nats.relayBatchSize, pollInterval: settings.events.pollInterval }))).pipe(
        Layer.provide(JetStream.publisher),
        Layer.provide(Composition.jetStream(settings.nats, url))
      )
  })
  const server = Layer.effectDiscard(announceStart).pipe(
    Layer.provideMerge(Server.layer<AuthApi.AuthServices>(schema, settings.server, settings.queryLimits, Composition.authRoutes(keys, settings.token)))
  )

  return yield* Effect.zipRight(Bootstrap.ensureAdmin(settings.admin), Layer.launch(Layer.mergeAll(server, dispatcher, relay))).pipe(
    Effect.provide(services)
  )
})

const logging = Effect.gen(function*() {
  const level = yield* AppConfig.logLevel
  const environment = yield* AppConfig.environment
  // Machines read production logs; people read the rest. runMain adds its pretty logger (which also
  // reports a failed start): production swaps it for JSON, as beside it every line was written twice.
  return Layer.merge(Logger.minimumLogLevel(level), environment === "production" ? Layer.merge(Logger.remove(Logger.prettyLoggerDefault), jsonLines) : Logger.pretty)
})

/**
 * One JSON object a line, written in batches: each write to stdout is a system call (synchronous for
 * files and pipes) and the access log alone makes one per request; lines logged in one turn of the
 * event loop go out together at its end, dozens under load. Measured on `{ __typename }` at 32
 * connections, CPU per request against Logger.json: 0.55 -> 0.52 ms (0.69 -> 0.61 ms while the
 * tracer and timeoutOption still ran). The exit handler writes what a process.exit cut off.
 */
const jsonLines = Layer.unwrapEffect(Effect.sync(() => {
  let pending: Array<string> = []
  const flush = () => {
    if (pending.length === 0) return
    const lines = pending
    pending = []
    process.stdout.write(`${lines.join("\n")}\n`)
  }
  process.once("exit", flush)
  return Logger.replace(Logger.defaultLogger, Logger.map(Logger.jsonLogger, (line) => {
    if (pending.length === 0) setImmediate(flush)
    pending.push(line)
  }))
}))

/**
 * No tracing exporter is configured, so spans would be made for no one: one per request (with its
 * URL and headers as attributes), handler and statement. Off, a `{ __typename }` request costs about
 * 8% less CPU at 32 connections (0.58 -> 0.53 ms).
 */
const untraced = Layer.merge(
  Layer.setTracerEnabled(false),
  Layer.fiberRefLocallyScopedWith(HttpMiddleware.currentTracerDisabledWhen, () => () => true)
)

NodeRuntime.runMain(program.pipe(Effect.provide(Layer.mergeAll(Layer.unwrapEffect(logging), untraced, FairScheduler.layer))))
