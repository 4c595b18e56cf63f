/**
 * /readyz on the server process in its PostgreSQL + NATS shape: ready while the database answers with
 * every migration applied and NATS answers a ping; 503 naming the check while NATS is down or a
 * migration is missing, and ready again once they are back. Needs TEST_DATABASE_URL.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import * as Migrations from "../../src/database/Migrations.js"
import * as Readiness from "../../src/observability/Readiness.js"
import { send } from "../support/HttpProbe.js"
import * as NatsServer from "../support/NatsServer.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import * as TestDatabases from "../support/TestDatabases.js"
import { TestServer } from "../support/TestServer.js"

const database = `kingdom_ready_${randomUUID().replaceAll("-", "").slice(0, 12)}`
// Read only when the suite runs: without TEST_DATABASE_URL there is no server to name.
const serverUrl = () => Option.getOrThrow(TestDatabases.postgresUrl)
const databaseUrl = () => TestDatabases.withDatabase(serverUrl(), database)

/** A migrated scratch database, NATS, and the server process on both. */
const world = Layer.unwrapScoped(Effect.gen(function*() {
  yield* Effect.acquireRelease(
    TestDatabases.onServer(serverUrl(), (sql) => sql`CREATE DATABASE ${sql(database)}`),
    () => Effect.orDie(TestDatabases.onServer(serverUrl(), (sql) => sql`DROP DATABASE IF EXISTS ${sql(database)} WITH (FORCE)`))
  )
  yield* Migrations.migratePostgres(databaseUrl())
  const nats = yield* NatsServer.TestNats
  const server = ServerProcessLayer.layer({
    drainTimeout: "5 seconds",
    env: { DATABASE_URL: Redacted.value(databaseUrl()), NATS_URL: nats.url, READINESS_TIMEOUT: "1 second" }
  })
  return Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(Layer.provideMerge(server))
})).pipe(Layer.provideMerge(NatsServer.layer))

interface ReadyAnswer {
  readonly status: number
  readonly body: { readonly status: string; readonly checks: Readonly<Record<string, string>> }
}

const readiness = Effect.map(send("/readyz"), (answer): ReadyAnswer => ({ status: answer.status, body: answer.json as ReadyAnswer["body"] }))

/** Polls /readyz until it answers `status` (the server reconnects to NATS on its own schedule). */
const readyzBecomes = (status: number) =>
  readiness.pipe(
    Effect.filterOrFail((answer) => answer.status === status),
    Effect.retry(Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(Duration.seconds(30))))
  )

describe.skipIf(Option.isNone(TestDatabases.postgresUrl))(
  `/readyz with PostgreSQL and NATS${Option.isNone(TestDatabases.postgresUrl) ? ` (skipped: ${TestDatabases.skipReason})` : ""}`,
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
