/**
 * The composition root: reads Config once, picks an adapter for every port, creates the first
 * administrator on an empty database, then serves GraphQL until interrupted (SIGINT/SIGTERM close
 * the server, the database and the data-directory lock in reverse order).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, Option } from "effect"
import * as Argon2Hasher from "./auth/adapters/Argon2Hasher.js"
import * as SigningKeys from "./auth/adapters/SigningKeys.js"
import * as Bootstrap from "./auth/Bootstrap.js"
import * as AuthApi from "./auth/graphql/Resolvers.js"
import * as Composition from "./Composition.js"
import * as AppConfig from "./Config.js"
import { DatabaseInfo } from "./database/DatabaseInfo.js"
import * as GraphQLSchema from "./graphql/Schema.js"
import * as Server from "./http/Server.js"
import * as Dispatcher from "./kernel/Dispatcher.js"
import { ConflictRetry } from "./kernel/ConflictRetry.js"
import { PageSizeLimits } from "./kernel/Paging.js"
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
  const services = Layer.mergeAll(
    Composition.database(settings.database, local),
    Argon2Hasher.layer,
    Composition.tokens(keys, settings.token),
    Composition.mailer(settings.mail, settings.environment),
    Composition.authSettings(settings.passwordReset),
    Composition.throttle(settings.rateLimits),
    Layer.succeed(PageSizeLimits, settings.pageSizes),
    Layer.succeed(ConflictRetry, settings.conflictRetry)
  )
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
  // Machines read production logs; people read the rest.
  return Layer.merge(Logger.minimumLogLevel(level), environment === "production" ? Logger.json : Logger.pretty)
})

NodeRuntime.runMain(program.pipe(Effect.provide(Layer.unwrapEffect(logging))))
