/**
 * TestServer's server (the production layers, mail kept in memory) on a PostgreSQL URL instead of an
 * embedded PGlite, migrated by dbmate at start as MIGRATE_ON_START does. It answers to TestServer, so
 * TestServer's HTTP helpers (graphql, signIn, command) work against it; it also hands tests the
 * server's own SqlClient (its pool), for faults that must hit the connections the server uses.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Duration, Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as JwtKeys from "../../src/auth/adapters/JwtKeys.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import * as MailerMemory from "../../src/auth/adapters/memory/MailerMemory.js"
import * as Authentication from "../../src/auth/Authentication.js"
import * as Bootstrap from "../../src/auth/Bootstrap.js"
import { AuthSettings } from "../../src/auth/Settings.js"
import * as Composition from "../../src/Composition.js"
import * as GraphQLSchema from "../../src/graphql/Schema.js"
import * as Server from "../../src/http/Server.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import { PageSizeLimits } from "../../src/kernel/Paging.js"
import * as ProxyTrust from "../../src/kernel/ProxyTrust.js"
import { randomBytes } from "node:crypto"
import { admin, eventOptions, queryLimits, rateLimits, serverDefaults, TestServer, tokenSettings } from "./TestServer.js"

export interface PostgresServerOptions {
  readonly url: string
  /** DATABASE_POOL_MAX. */
  readonly poolMax: number
  readonly drainTimeout?: Duration.Duration
}

export const layer = (
  options: PostgresServerOptions
): Layer.Layer<TestServer | MailerMemory.SentMail | SqlClient.SqlClient, unknown> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const schema = yield* GraphQLSchema.make<Composition.ApiServices>(Composition.apis)
    const database = { url: Option.some(Redacted.make(options.url)), dataDir: "unused-with-postgres", migrateOnStart: true, poolMax: options.poolMax }
    const services = Authentication.layer.pipe(Layer.provideMerge(Layer.mergeAll(
      Composition.database(database, Composition.subscribers),
      Argon2Hasher.layer(2),
      // A fresh key: nothing here outlives the test, so no key file is kept.
      Composition.tokens(SigningKeys.keySet(JwtKeys.fromSecret(randomBytes(32))), tokenSettings),
      MailerMemory.layer,
      Layer.succeed(AuthSettings, { resetTokenTtl: Duration.minutes(15), publicAppUrl: new URL("http://app.test/") }),
      Layer.succeed(PageSizeLimits, { defaultSize: 20, max: 100 }),
      Composition.throttle(rateLimits)
    )))
    const bootstrap = Layer.effectDiscard(
      Bootstrap.ensureAdmin({ accessKey: admin.accessKey, email: admin.email, password: Option.some(Redacted.make(admin.password)) })
    )
    const drainTimeout = options.drainTimeout ?? Duration.seconds(5)
    const server = Layer.effect(TestServer, Effect.map(Server.baseUrl, (baseUrl) => ({ baseUrl }))).pipe(
      Layer.provide(Server.layer<Composition.ApiServices>(schema, { ...serverDefaults, host: "127.0.0.1", port: 0, drainTimeout, corsOrigins: [], graphiql: false, trustProxy: ProxyTrust.none }, queryLimits))
    )
    const subscribers = Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(Composition.subscribers, eventOptions)))
    return Layer.mergeAll(server, bootstrap, subscribers).pipe(Layer.provideMerge(services))
  })).pipe(
    // The outages these servers go through are logged as errors by design (every failed request and
    // dispatcher round); the tests assert on what clients see instead.
    Layer.provide(Logger.minimumLogLevel(LogLevel.Fatal))
  )
