/**
 * The composition root: reads Config once (a bad one stops the start, one line per problem), picks
 * an adapter for every port, creates the first administrator on an empty database, then serves
 * GraphQL until interrupted (SIGINT/SIGTERM drain the server and the relay, then close the database
 * and the data-directory lock in reverse order).
 */
import { HttpRouter } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Config, Effect, Exit, Layer, Logger, type LogLevel, Option } from "effect"
import * as SigningKeys from "./auth/adapters/SigningKeys.js"
import * as Bootstrap from "./auth/Bootstrap.js"
import * as Composition from "./Composition.js"
import * as AppConfig from "./Config.js"
import * as ConfigProblems from "./ConfigProblems.js"
import { DatabaseInfo } from "./database/DatabaseInfo.js"
import * as GraphQLSchema from "./graphql/Schema.js"
import * as Server from "./http/Server.js"
import * as Dispatcher from "./kernel/Dispatcher.js"
import * as FairScheduler from "./kernel/FairScheduler.js"
import * as GraphQLMetrics from "./observability/GraphQLMetrics.js"
import * as JsonLines from "./observability/JsonLines.js"
import * as MetricsRoute from "./observability/MetricsRoute.js"
import * as Readiness from "./observability/Readiness.js"
import * as Telemetry from "./observability/Telemetry.js"
import * as StartupReport from "./StartupReport.js"
import * as JetStream from "./worker/JetStream.js"
import * as Relay from "./worker/Relay.js"

const serve = (settings: AppConfig.ServerSettings) => Effect.gen(function*() {
  // Workers share the database; the embedded one belongs to this process, and its single session
  // would also stall behind a relay waiting on an unreachable broker.
  if (Option.isSome(settings.nats.url) && Option.isNone(settings.database.url)) {
    return yield* new Composition.ConfigurationError({ reason: "NATS_URL needs DATABASE_URL: workers share the database with the server" })
  }
  const keys = yield* SigningKeys.resolve({ ...settings.token, environment: settings.environment, dataDir: settings.database.dataDir })
  const schema = yield* GraphQLSchema.make<Composition.ApiServices>(Composition.apis)

  // Without NATS this process runs every subscriber itself, from the deliveries table; with NATS it
  // relays the outbox to JetStream and workers (`npm run worker`, a Lambda) run them.
  const local = Option.isSome(settings.nats.url) ? [] : Composition.subscribers
  const services = Composition.serverServices(settings, keys, local)
  const dispatcher = local.length === 0 ? Layer.empty : Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(local, settings.events)))
  // One connection for the relay and /readyz's ping (a layer given twice is built once).
  const jetStream = Option.map(settings.nats.url, (url) => Composition.jetStream(settings.nats, url))
  const relay = Option.match(jetStream, {
    onNone: () => Layer.empty,
    onSome: (connection) =>
      Layer.scopedDiscard(Effect.forkScoped(Relay.run({ batchSize: settings.nats.relayBatchSize, pollInterval: settings.events.pollInterval }))).pipe(
        Layer.provide(JetStream.publisher),
        Layer.provide(connection)
      )
  })
  const expectedMigrations = Readiness.expectedVersions()
  const operatorRoutes = Effect.gen(function*() {
    const checks = yield* Readiness.databaseChecks(expectedMigrations)
    const nats = Option.map(yield* Effect.serviceOption(JetStream.JetStream), (js) => Readiness.natsCheck(js.connection))
    const readiness = Readiness.routes({ ...checks, ...Option.match(nats, { onNone: () => ({}), onSome: (check) => ({ nats: check }) }) }, settings.observability.readinessTimeout, {
      environment: settings.environment,
      token: settings.observability.metricsToken
    })
    if (!settings.observability.metrics) return readiness
    const metrics = yield* MetricsRoute.routes({ token: settings.observability.metricsToken, relay: Option.isSome(jetStream) })
    return HttpRouter.concat(readiness, metrics)
  })
  const server = Layer.unwrapScoped(Effect.map(operatorRoutes, (routes) =>
    Server.layer<Composition.ApiServices>(
      schema,
      settings.server,
      settings.queryLimits,
      HttpRouter.concat(Composition.authRoutes(keys, settings.token), routes),
      GraphQLMetrics.recorder(settings.observability.metricsMaxOperations)
    ))).pipe(Layer.provide(Option.getOrElse(jetStream, () => Layer.empty)))

  const announce = (admin: Bootstrap.AdminOutcome) => Effect.gen(function*() {
    const url = `${yield* Server.baseUrl}${Server.graphqlPath}`
    const migrations = yield* Readiness.migrationState(expectedMigrations)
    yield* StartupReport.announce({ url, settings, database: yield* DatabaseInfo, migrations, admin })
  })
  // One build of the services (one database) for the bootstrap and the running server.
  return yield* Effect.gen(function*() {
    const admin = yield* Bootstrap.ensureAdmin(settings.admin)
    return yield* Layer.launch(Layer.mergeAll(Layer.effectDiscard(announce(admin)).pipe(Layer.provideMerge(server)), dispatcher, relay))
  }).pipe(Effect.provide(services))
})

/** Machines read production logs; people read the rest. */
const logging = (settings: AppConfig.ServerSettings, level: LogLevel.LogLevel) =>
  // runMain adds its pretty logger (which also reports a failed start): production swaps it for
  // JSON, as beside it every line was written twice.
  Layer.merge(Logger.minimumLogLevel(level), settings.environment === "production" ? Layer.merge(Logger.remove(Logger.prettyLoggerDefault), JsonLines.layer) : Logger.pretty)

/** 1 when the configuration refused the start (the problems printed); otherwise runs until interrupted. */
const main = Effect.gen(function*() {
  const read = yield* Effect.either(Config.all({ settings: AppConfig.serverSettings, level: AppConfig.logLevel }))
  if (read._tag === "Left") {
    yield* Effect.sync(() => console.error(ConfigProblems.report(ConfigProblems.lines(read.left))))
    return 1
  }
  const { level, settings } = read.right
  const say = (text: string) => Effect.as(Effect.sync(() => console.error(text)), 1)
  const refused = (reason: string) => say(ConfigProblems.report([reason]))
  // What stops a start and is the operator's to fix, said in one line; the full cause at Debug.
  const cannotStart = (error: { readonly message: string }) =>
    Effect.zipRight(Effect.logDebug("start failed", error), say(`kingdom-server cannot start: ${error.message}`))
  return yield* serve(settings).pipe(
    // Problems found past reading: the variable's value is wrong for this use (a signing key, NATS without PostgreSQL, production without SMTP).
    Effect.catchTags({
      ConfigurationError: (error) => refused(error.reason),
      SigningKeyError: (error) => refused(`${error.variable}: ${error.reason}`),
      DataDirLocked: cannotStart,
      DataDirUnsafe: cannotStart,
      MigrationFailed: cannotStart,
      SqlError: cannotStart,
      SmtpMailerError: cannotStart,
      BusUnavailable: cannotStart,
      ServeError: (error) =>
        cannotStart({ message: `cannot listen on ${settings.server.host}:${settings.server.port} (HOST, PORT): ${error.cause instanceof Error ? error.cause.message : String(error.cause)}` })
    }),
    Effect.provide(Layer.mergeAll(logging(settings, level), Telemetry.layer(settings.observability), FairScheduler.layer))
  )
})

NodeRuntime.runMain(main, {
  // The code main answered; a signal's interruption is a clean stop; anything else failed.
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? (typeof exit.value === "number" ? exit.value : 0) : Cause.isInterruptedOnly(exit.cause) ? 0 : 1)
})
