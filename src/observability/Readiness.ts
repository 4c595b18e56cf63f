/**
 * GET /readyz: whether this instance should get traffic. The database answers, its migrations are the
 * ones this code expects (every file in db/migrations applied), and NATS answers a ping when the
 * outbox is relayed there. 200 when all pass, 503 otherwise; each check is bounded by READINESS_TIMEOUT.
 * Which check failed and why (a database error's text) is told in development, and in production only
 * to a caller presenting METRICS_TOKEN: a load balancer needs the status alone. /healthz stays the
 * liveness probe: it answers while the process runs.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as SqlClient from "@effect/sql/SqlClient"
import { Duration, Effect, Option, type Redacted } from "effect"
import * as Fs from "node:fs"
import type { Environment } from "../Config.js"
import { projectMigrationsDir } from "../database/Migrations.js"
import * as MetricsToken from "./MetricsToken.js"

export const path = "/readyz"

export type Check = Effect.Effect<void, string>

/** The versions dbmate records for the migration files (`20261124000001_auth.sql` → `20261124000001`). */
export const expectedVersions = (dir: string = projectMigrationsDir): ReadonlyArray<string> =>
  Fs.readdirSync(dir).filter((file) => file.endsWith(".sql")).map((file) => file.split("_")[0]!).sort()

const describe = (cause: unknown) => cause instanceof Error ? cause.message : String(cause)

export interface MigrationState {
  readonly applied: number
  /** Expected versions not applied. */
  readonly missing: ReadonlyArray<string>
}

/** What schema_migrations holds against the versions this code expects. */
export const migrationState = (expected: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly version: string }>`SELECT version FROM schema_migrations`).pipe(
    Effect.map((rows): MigrationState => {
      const applied = new Set(rows.map((row) => row.version))
      return { applied: applied.size, missing: expected.filter((version) => !applied.has(version)) }
    })
  )

export const migrationAdvice = "run npx kingdom migrate, or start with MIGRATE_ON_START=true"

/** The database answers, with every expected migration applied. */
export const databaseChecks = (expected: ReadonlyArray<string>) =>
  Effect.map(SqlClient.SqlClient, (sql) => ({
    database: Effect.asVoid(sql`SELECT 1`).pipe(Effect.mapError((error) => describe(error.cause ?? error))),
    migrations: migrationState(expected).pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.mapError((error) => describe(error.cause ?? error)),
      Effect.flatMap(({ missing }) => missing.length === 0 ? Effect.void : Effect.fail(`not applied: ${missing.join(", ")} (${migrationAdvice})`))
    )
  }))

/** NATS answers a ping on the connection the relay publishes on. */
export const natsCheck = (connection: { readonly flush: () => Promise<void>; readonly isClosed: () => boolean }): Check =>
  connection.isClosed()
    ? Effect.fail("connection closed")
    : Effect.tryPromise({ try: () => connection.flush(), catch: describe })

/** Who is told each check's outcome, beside the status. */
export interface Disclosure {
  readonly environment: Environment
  /** METRICS_TOKEN: in production the details go only to `Authorization: Bearer <token>`, and to nobody without one. */
  readonly token: Option.Option<Redacted.Redacted>
}

const disclosesTo = (disclosure: Disclosure, authorization: string | undefined) =>
  disclosure.environment !== "production" || Option.exists(disclosure.token, (token) => MetricsToken.presented(token, authorization))

export const routes = (checks: Readonly<Record<string, Check>>, timeout: Duration.Duration, disclosure: Disclosure) => {
  const run = (check: Check) =>
    check.pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)} (READINESS_TIMEOUT)` }),
      Effect.match({ onFailure: (reason) => Option.some(reason), onSuccess: () => Option.none<string>() })
    )
  const handler = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const results = yield* Effect.forEach(Object.entries(checks), ([name, check]) => Effect.map(run(check), (failure) => [name, failure] as const), {
      concurrency: "unbounded"
    })
    const ready = results.every(([, failure]) => Option.isNone(failure))
    const status = ready ? "ready" : "not ready"
    const body = disclosesTo(disclosure, request.headers["authorization"])
      ? { status, checks: Object.fromEntries(results.map(([name, failure]) => [name, Option.getOrElse(failure, () => "ok")])) }
      : { status }
    return HttpServerResponse.unsafeJson(body, { status: ready ? 200 : 503 })
  })
  return HttpRouter.empty.pipe(HttpRouter.get(path, handler))
}
