/**
 * The server the soak benchmark loads, composed as src/main.ts composes it without NATS_URL (the
 * same layers: PostgreSQL repositories, argon2, JWTs, the mailer from MAIL/SMTP settings, the conflict
 * retry policy, the Dispatcher running the local subscribers, bootstrap of the administrator, the HTTP
 * server with its graceful drain), but inside the benchmark's process so that the conflict-retry
 * counter (an Effect metric, not exposed over HTTP) can be read. main.ts builds its program inline
 * and runs it on import, so the composition is repeated here: keep the two in step.
 *
 * Settings are the server's own (src/Config.ts, from the environment, defaults included) with four
 * exceptions the benchmark owns: the database, a free port on 127.0.0.1, the administrator's
 * password and a throw-away JWT key (so no development key is written under DATA_DIR).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { SqlClient as SqlClientTag } from "@effect/sql/SqlClient"
import { Context, Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import * as Bootstrap from "../../src/auth/Bootstrap.js"
import * as Composition from "../../src/Composition.js"
import * as AppConfig from "../../src/Config.js"
import * as GraphQLSchema from "../../src/graphql/Schema.js"
import * as Server from "../../src/http/Server.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import { randomSecret } from "../../src/kernel/Secrets.js"

/** The settings main.ts reads, from the environment as it reads them. */
export const settings = AppConfig.serverSettings
export type Settings = AppConfig.ServerSettings

export interface Options {
  readonly databaseUrl: string
  readonly adminPassword: string
}

export interface Running {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string
  readonly admin: { readonly accessKey: string; readonly password: string }
  /** The server's own pool, for reading the final state and describing the machine. */
  readonly sql: SqlClient.SqlClient
  readonly settings: Settings
}

const unlimited = { limit: 1_000_000, window: Duration.minutes(1) }

/** Starts the server in this process; it drains and stops, then its pool closes, when the scope closes. */
export const start = (options: Options): Effect.Effect<Running, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const read = yield* settings
    const config: Settings = {
      ...read,
      server: { ...read.server, host: "127.0.0.1", port: 0 },
      database: { ...read.database, url: Option.some(Redacted.make(options.databaseUrl)), migrateOnStart: true },
      token: { ...read.token, secret: Option.some(Redacted.make(randomSecret(32))), privateKey: Option.none() },
      admin: { ...read.admin, password: Option.some(Redacted.make(options.adminPassword)) },
      // The load stands for many clients but comes from one address, signing in to a few accounts at
      // once; a sign-in counts as a failure until it succeeds, so the backoff would hold them back too.
      rateLimits: {
        ...read.rateLimits,
        perAddress: unlimited,
        signIn: unlimited,
        backoff: { ...read.rateLimits.backoff, freeFailures: unlimited.limit, accountFreeFailures: unlimited.limit }
      }
    }
    const keys = yield* SigningKeys.resolve({ ...config.token, environment: config.environment, dataDir: config.database.dataDir })
    const schema = yield* GraphQLSchema.make<Composition.ApiServices>(Composition.apis)
    // As main.ts without NATS_URL: this process runs every subscriber itself, from the deliveries table.
    const local = Composition.subscribers
    const services = Composition.serverServices(config, keys, local)
    const dispatcher = Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(local, config.events)))
    const server = Server.layer<Composition.ApiServices>(schema, config.server, config.queryLimits)
    const context = yield* Layer.build(Layer.mergeAll(server, dispatcher).pipe(
      Layer.provideMerge(Layer.effectDiscard(Bootstrap.ensureAdmin(config.admin))),
      Layer.provideMerge(services)
    ))
    const baseUrl = yield* Effect.provide(Server.baseUrl, context)
    return {
      baseUrl,
      admin: { accessKey: config.admin.accessKey, password: options.adminPassword },
      sql: Context.get(context, SqlClientTag),
      settings: config
    }
  })
