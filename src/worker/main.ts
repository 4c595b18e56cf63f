/**
 * `npm run worker`: runs every module's subscribers on JetStream, apart from the server, as many
 * copies as the load needs (each subscriber's durable consumer spreads the events over them). Also
 * runs the deliveries an operator replays. Needs NATS_URL and DATABASE_URL: the embedded database
 * belongs to the server's process.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, Option } from "effect"
import * as Composition from "../Composition.js"
import * as AppConfig from "../Config.js"
import { ConflictRetry } from "../kernel/ConflictRetry.js"
import * as Dispatcher from "../kernel/Dispatcher.js"
import * as Worker from "./Worker.js"

const config = Effect.all({
  environment: AppConfig.environment,
  database: AppConfig.database,
  passwordReset: AppConfig.passwordReset,
  events: AppConfig.events,
  mail: AppConfig.mail,
  nats: AppConfig.nats,
  conflictRetry: AppConfig.conflictRetry
})

const required = <A>(value: Option.Option<A>, reason: string) =>
  Option.match(value, { onNone: () => new Composition.ConfigurationError({ reason }), onSome: Effect.succeed })

const program = Effect.gen(function*() {
  const settings = yield* config
  const url = yield* required(settings.nats.url, "npm run worker consumes the event bus: set NATS_URL (nats://host:4222)")
  yield* required(settings.database.url, "npm run worker needs DATABASE_URL: the embedded database belongs to the server process")
  const subscribers = Composition.subscribers
  const services = Layer.mergeAll(
    Composition.database(settings.database, []),
    Composition.mailer(settings.mail, settings.environment),
    Composition.authSettings(settings.passwordReset),
    Composition.jetStream(settings.nats, url),
    Layer.succeed(ConflictRetry, settings.conflictRetry)
  )
  yield* Effect.logInfo(`worker running ${subscribers.map((s) => s.name).join(", ")} on ${settings.nats.stream}`)
  return yield* Effect.all([
    Worker.run(subscribers, { retry: settings.events.retry, concurrency: settings.events.concurrency }),
    // Replayed deliveries (parked events an operator sent back) run here too.
    Dispatcher.run(subscribers, settings.events)
  ], { concurrency: "unbounded", discard: true }).pipe(Effect.provide(services))
})

const logging = Effect.gen(function*() {
  const level = yield* AppConfig.logLevel
  const environment = yield* AppConfig.environment
  return Layer.merge(Logger.minimumLogLevel(level), environment === "production" ? Logger.json : Logger.pretty)
})

NodeRuntime.runMain(program.pipe(Effect.scoped, Effect.provide(Layer.unwrapEffect(logging))))
