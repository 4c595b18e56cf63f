/**
 * /readyz on the server process in its PostgreSQL + NATS shape: ready while the database answers with
 * every migration applied and NATS answers a ping; 503 naming the check while NATS is down or a
 * migration is missing, and ready again once they are back. In production the status alone, the
 * checks and their error texts only for METRICS_TOKEN. Needs TEST_DATABASE_URL.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import * as Migrations from "../../src/database/Migrations.js"
import * as Readiness from "../../src/observability/Readiness.js"
import { send } from "../support/HttpProbe.js"
import * as NatsServer from "../support/NatsServer.js"
import * as Skips from "../support/Skips.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import * as SmtpServer from "../support/SmtpServer.js"
import * as TestDatabases from "../support/TestDatabases.js"
import { TestServer } from "../support/TestServer.js"

const scratchName = () => `kingdom_ready_${randomUUID().replaceAll("-", "").slice(0, 12)}`
const database = scratchName()
// Read only when the suite runs: without TEST_DATABASE_URL there is no server to name.
const serverUrl = () => Option.getOrThrow(TestDatabases.postgresUrl)
const databaseUrl = () => TestDatabases.withDatabase(serverUrl(), database)

const dropDatabase = (name: string) => TestDatabases.onServer(serverUrl(), (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`)

/** A migrated database of this name for the scope. */
const scratchDatabase = (name: string) =>
  Effect.acquireRelease(
    TestDatabases.onServer(serverUrl(), (sql) => sql`CREATE DATABASE ${sql(name)}`),
    () => Effect.orDie(dropDatabase(name))
  ).pipe(Effect.zipRight(Migrations.migratePostgres(TestDatabases.withDatabase(serverUrl(), name))))

/** A migrated scratch database, NATS, and the server process on both. */
const world = Layer.unwrapScoped(Effect.gen(function*() {
  yield* scratchDatabase(database)
  const nats = yield* NatsServer.TestNats
  const server = ServerProcessLayer.layer({
    drainTimeout: "5 seconds",
    env: { DATABASE_URL: Redacted.value(databaseUrl()), NATS_URL: nats.url, READINESS_TIMEOUT: "1 second" }
  })
  return Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(Layer.provideMerge(server))
})).pipe(Layer.provideMerge(NatsServer.layer))

interface ReadyAnswer {
  readonly status: number
  /** `checks` only where details are told (not in production without METRICS_TOKEN). */
  readonly body: { readonly status: string; readonly checks: Readonly<Record<string, string>> }
}

const ask = (init: RequestInit = {}) =>
  Effect.map(send("/readyz", init), (answer): ReadyAnswer => ({ status: answer.status, body: answer.json as ReadyAnswer["body"] }))

const readiness = ask()

const withBearer = (token: string) => ask({ headers: { authorization: `Bearer ${token}` } })

/** Polls /readyz until it answers `status` (the server reconnects to NATS on its own schedule). */
const readyzBecomes = (status: number) =>
  readiness.pipe(
    Effect.filterOrFail((answer) => answer.status === status),
    Effect.retry(Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(Duration.seconds(30))))
  )

const productionDatabase = scratchName()
const metricsToken = randomBytes(24).toString("base64url")

/** The server process in production (an HS256 secret, SMTP, METRICS_TOKEN) on a scratch database. */
const production = Layer.unwrapScoped(Effect.gen(function*() {
  yield* scratchDatabase(productionDatabase)
  const smtp = yield* SmtpServer.make()
  const server = ServerProcessLayer.layer({
    drainTimeout: "5 seconds",
    env: {
      NODE_ENV: "production",
      DATABASE_URL: Redacted.value(TestDatabases.withDatabase(serverUrl(), productionDatabase)),
      JWT_SECRET: randomBytes(32).toString("base64url"),
      SMTP_URL: smtp.url,
      METRICS_TOKEN: metricsToken,
      READINESS_TIMEOUT: "5 seconds"
    }
  })
  return Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(Layer.provideMerge(server))
}))

const withoutPostgres = Option.isNone(TestDatabases.postgresUrl) ? TestDatabases.skipReason : undefined
const withNatsSkip = Skips.reason(withoutPostgres, NatsServer.unavailable)

describe.skipIf(withNatsSkip !== undefined)(
  Skips.suiteName("/readyz with PostgreSQL and NATS", withNatsSkip),
  () => {
    layer(world, { timeout: Duration.seconds(180), excludeTestServices: true })((it) => {
      it.effect("is ready with every check passing, 503 naming NATS while it is down, ready again once it is back", () =>
        Effect.gen(function*() {
          expect(yield* readiness).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok", migrations: "ok", nats: "ok" } } })
          const nats = yield* NatsServer.TestNats
          yield* nats.stop
          const down = yield* readyzBecomes(503)
          expect(down.body).toMatchObject({ status: "not ready", checks: { database: "ok", migrations: "ok" } })
          expect(down.body.checks.nats).not.toBe("ok")
          yield* nats.start
          yield* readyzBecomes(200)
        }))

      it.effect("is 503 naming a migration that is not applied (a newer file than the database has)", () =>
        Effect.gen(function*() {
          const version = Readiness.expectedVersions().at(-1)!
          yield* TestDatabases.onServer(Redacted.value(databaseUrl()), (sql) => sql`DELETE FROM schema_migrations WHERE version = ${version}`)
          const answer = yield* readiness
          expect(answer.status).toBe(503)
          expect(answer.body.checks.migrations).toBe(`not applied: ${version} (run npx kingdom migrate, or start with MIGRATE_ON_START=true)`)
          yield* TestDatabases.onServer(Redacted.value(databaseUrl()), (sql) => sql`INSERT INTO schema_migrations (version) VALUES (${version})`)
          expect((yield* readiness).status).toBe(200)
        }))
    })
  }
)

describe.skipIf(Option.isNone(TestDatabases.postgresUrl))(
  `/readyz in production${Option.isNone(TestDatabases.postgresUrl) ? ` (skipped: ${TestDatabases.skipReason})` : ""}`,
  () => {
    layer(production, { timeout: Duration.seconds(180), excludeTestServices: true })((it) => {
      it.effect("answers the status alone; the checks and the database's error text only to Bearer METRICS_TOKEN", () =>
        Effect.gen(function*() {
          expect(yield* readiness).toEqual({ status: 200, body: { status: "ready" } })
          expect(yield* withBearer(metricsToken)).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok", migrations: "ok" } } })
          // The database goes away under the running server: its error names the database.
          yield* dropDatabase(productionDatabase)
          const down = yield* readyzBecomes(503)
          expect(down.body).toEqual({ status: "not ready" })
          expect(yield* withBearer(`${metricsToken}x`)).toEqual(down)
          const detailed = yield* withBearer(metricsToken)
          expect(detailed.status).toBe(503)
          expect(detailed.body.checks.database).toContain(`database "${productionDatabase}" does not exist`)
        }))
    })
  }
)
