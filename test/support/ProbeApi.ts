/**
 * A module only e2e tests serve (TestServer.make's `modules`), beside auth: slow fields for
 * REQUEST_TIMEOUT, a transaction that outlives it, and internal failures for error masking. Its
 * table is made on first use, so the production migrations stay untouched.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Duration, Effect, Schema } from "effect"
import type { AuthServices } from "../../src/auth/graphql/Resolvers.js"
import type { ModuleApi } from "../../src/graphql/Context.js"
import { UnitOfWork } from "../../src/kernel/UnitOfWork.js"

/** What a defect's cause might hold that no client may see. */
export const secrets = ["SELECT password_hash", "10.0.0.5", "ProbeApi.ts"]

const table = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE IF NOT EXISTS probe_writes (id text PRIMARY KEY)`)

const decode = <A, I>(schema: Schema.Schema<A, I>) => (args: unknown) => Schema.decodeUnknown(schema)(args)

export const api: ModuleApi<AuthServices | SqlClient.SqlClient> = {
  name: "probe",
  sdlFile: new URL("./probe.graphql", import.meta.url),
  Query: {
    sleep: (args) =>
      Effect.flatMap(decode(Schema.Struct({ ms: Schema.Number }))(args), ({ ms }) => Effect.as(Effect.sleep(Duration.millis(ms)), ms)),
    probeWritten: (args) =>
      Effect.gen(function*() {
        const { id } = yield* decode(Schema.Struct({ id: Schema.String }))(args)
        const sql = yield* SqlClient.SqlClient
        yield* table
        const rows = yield* sql`SELECT id FROM probe_writes WHERE id = ${id}`
        return rows.length === 1
      }),
    probeDefect: () => Effect.die(new Error(`connection to 10.0.0.5 lost during SELECT password_hash FROM users`)),
    probeSqlError: () => Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT password_hash FROM no_such_table`),
    probeNull: () => Effect.succeed(null)
  },
  Mutation: {
    writeThenSleep: (args) =>
      Effect.gen(function*() {
        const { id, ms } = yield* decode(Schema.Struct({ id: Schema.String, ms: Schema.Number }))(args)
        const sql = yield* SqlClient.SqlClient
        const unitOfWork = yield* UnitOfWork
        yield* table
        yield* unitOfWork.transactional(Effect.zipRight(sql`INSERT INTO probe_writes (id) VALUES (${id})`, Effect.sleep(Duration.millis(ms))))
        return true
      })
  }
}
