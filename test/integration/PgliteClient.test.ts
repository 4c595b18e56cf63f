import { assert, describe, expect, it, layer } from "@effect/vitest"
import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Chunk, Effect, Fiber, Option, Stream, String } from "effect"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Migrations from "../../src/database/Migrations.js"
import * as PgliteClient from "../../src/database/PgliteClient.js"
import { suiteName } from "../support/Skips.js"
import { backends, pglite } from "../support/TestDatabases.js"

const newRole = (code: string) => ({
  id: randomUUID(),
  code,
  name: `Role ${code}`,
  createdAt: new Date("2026-01-02T03:04:05.678Z"),
  version: 1
})

const countRoles = (code: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: string }>`SELECT count(*) AS n FROM roles WHERE code = ${code}`.pipe(Effect.map((rows) => Number(rows[0]!.n))))

const insertRole = (code: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO roles ${sql.insert(newRole(code))}`)

// The same SQL must mean the same thing on both backends; repositories are written once.
for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(suiteName(`SQL on ${backend.name}`, backend.skip), () => {
    layer(backend.layer())((it) => {
      it.effect("binds parameters and parses values as node-postgres does", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const [row] = yield* sql`
            SELECT ${41}::int + 1 AS answer, ${"it's"} AS quoted, count(*) AS total, ${null}::text AS nothing,
                   ${new Date("2026-01-02T03:04:05.678Z")}::timestamptz AS stamp, '2026-01-02'::date AS day,
                   ${JSON.stringify({ a: [1] })}::jsonb AS doc
            FROM permissions`
          expect(row).toEqual({
            answer: 42,
            quoted: "it's",
            total: "32", // int8 stays a string, as node-postgres gives it
            nothing: null,
            stamp: new Date("2026-01-02T03:04:05.678Z"),
            day: new Date(2026, 0, 2), // local midnight, as node-postgres gives it
            doc: { a: [1] }
          })
        }))

      it.effect("maps camelCase to snake_case both ways, through sql.insert, sql.in and array parameters", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const a = newRole("transforms-a")
          const b = newRole("transforms-b")
          yield* sql`INSERT INTO roles ${sql.insert([a, b])}`
          const byIn = yield* sql`SELECT id, code, name, created_at, version FROM roles WHERE code IN ${sql.in([a.code, b.code])} ORDER BY code`
          expect(byIn).toEqual([a, b])
          const byAny = yield* sql<{ createdAt: Date }>`SELECT ${sql("createdAt")} FROM roles WHERE id = ANY(${[a.id]}::uuid[])`
          expect(byAny).toEqual([{ createdAt: a.createdAt }])
          const values = yield* sql`SELECT code, version FROM roles WHERE id = ${a.id}`.values
          expect(values).toEqual([[a.code, 1]])
        }))

      it.effect("reports database errors as SqlError with the SQLSTATE on the cause, and no bound values", () =>
        Effect.gen(function*() {
          const role = newRole("duplicate")
          yield* insertRole(role.code)
          const error: SqlError = yield* Effect.flip(insertRole(role.code))
          expect(error._tag).toBe("SqlError")
          expect(error.cause).toMatchObject({ code: "23505", constraint: "roles_code_key" })
          expect(error.cause).not.toHaveProperty("params")
        }))

      it.effect("streams rows and runs unprepared statements", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const streamed = yield* sql<{ resource: string }>`SELECT DISTINCT resource FROM permissions ORDER BY resource`.stream.pipe(
            Stream.runCollect
          )
          expect(Chunk.toReadonlyArray(streamed)).toEqual([{ resource: "organisation" }, { resource: "permission" }, { resource: "role" }, { resource: "user" }])
          expect(yield* sql`SELECT 1 AS is_one`.unprepared).toEqual([{ isOne: 1 }])
          expect(yield* sql.unsafe("SELECT 1 AS a; SELECT 2 AS b").unprepared).toEqual([[{ a: 1 }], [{ b: 2 }]])
        }))

      it.effect("commits a transaction, and rolls it back on failure", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.withTransaction(insertRole("committed"))
          const failed = yield* Effect.flip(sql.withTransaction(Effect.zipRight(insertRole("rolled-back"), Effect.fail("boom" as const))))
          expect(failed).toBe("boom")
          expect(yield* countRoles("committed")).toBe(1)
          expect(yield* countRoles("rolled-back")).toBe(0)
        }))
    })
  })
}

describe("PgliteClient, one session shared by fibers", () => {
  layer(pglite())((it) => {
    it.effect("a query issued during another fiber's transaction waits for it, and never joins it", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const inserted = yield* Effect.makeLatch(false)
        const finish = yield* Effect.makeLatch(false)
        const transaction = yield* sql.withTransaction(Effect.gen(function*() {
          yield* insertRole("uncommitted")
          yield* inserted.open
          yield* finish.await
          return yield* Effect.fail("roll back" as const)
        })).pipe(Effect.fork)
        yield* inserted.await
        const reader = yield* Effect.fork(countRoles("uncommitted"))
        const writer = yield* Effect.fork(insertRole("outside"))
        for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
        expect(Option.isNone(yield* Fiber.poll(reader))).toBe(true)
        yield* finish.open
        expect(yield* Effect.flip(Fiber.join(transaction))).toBe("roll back")
        // Had the reader run inside the open transaction, it would have seen the uncommitted row;
        // had the writer, the rollback would have taken its row too.
        expect(yield* Fiber.join(reader)).toBe(0)
        yield* Fiber.join(writer)
        expect(yield* countRoles("outside")).toBe(1)
      }))

    it.effect("concurrent transactions run one after the other", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* insertRole("counter")
        const increment = sql.withTransaction(Effect.gen(function*() {
          const [row] = yield* sql<{ version: number }>`SELECT version FROM roles WHERE code = 'counter'`
          yield* Effect.yieldNow()
          yield* sql`UPDATE roles SET version = ${row!.version + 1} WHERE code = 'counter'`
        }))
        yield* Effect.all(Array.from({ length: 10 }, () => increment), { concurrency: "unbounded" })
        const [row] = yield* sql<{ version: number }>`SELECT version FROM roles WHERE code = 'counter'`
        expect(row!.version).toBe(11)
      }))
  })
})

describe("PgliteClient on a data directory", () => {
  const transforms = { transformQueryNames: String.camelToSnake, transformResultNames: String.snakeToCamel }
  const open = (dataDir: string) =>
    Effect.flatMap(PgliteClient.make({ dataDir, ...transforms }), (client) =>
      Effect.as(Migrations.migratePglite(client.db), client))

  // `it.scopedLive` outside layer(): @effect/vitest 0.30's layer() rebinds the shared `it.effect` to its own layer.
  it.scopedLive("keeps its data when reopened", () =>
    Effect.gen(function*() {
      const root = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-pglite-"))),
        (root) => Effect.sync(() => Fs.rmSync(root, { recursive: true, force: true }))
      )
      const dataDir = Path.join(root, "pgdata")
      yield* Effect.scoped(Effect.flatMap(open(dataDir), (sql) => Effect.provideService(insertRole("persisted"), SqlClient.SqlClient, sql)))
      const count = yield* Effect.scoped(Effect.flatMap(open(dataDir), (sql) => Effect.provideService(countRoles("persisted"), SqlClient.SqlClient, sql)))
      assert.strictEqual(count, 1)
    }).pipe(Effect.provide(Reactivity.layer)))
})
