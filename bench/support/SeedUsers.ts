/**
 * Fills an empty, migrated database with `count` users in set-based SQL (generate_series, a chunk per
 * statement so progress shows): real uuids, created_at at millisecond precision with three users per
 * instant (so the id must break ties), a role for three in four, and one to four grants each.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { performance } from "node:perf_hooks"

/** Not a hash of anything: no benchmark logs in, and the column only has to be filled. */
const fakePasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$YmVuY2htYXJrLW5vdC1hLXJlYWwtaGFzaA"

const chunkSize = 10_000

export interface Seeded {
  readonly users: number
  readonly grants: number
  readonly seconds: number
}

const print = (text: string) => Effect.sync(() => process.stdout.write(text))

export const seed = (sql: SqlClient.SqlClient, count: number): Effect.Effect<Seeded, unknown> =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* sql`INSERT INTO roles (id, code, name, created_at, version)
      SELECT gen_random_uuid(), code, initcap(replace(code, '_', ' ')), timestamptz '2025-01-01 00:00:00+00', 1
      FROM (VALUES ('bench_reader'), ('bench_editor'), ('bench_admin')) AS r (code)`
    yield* print(`seeding ${count.toLocaleString("en-US")} users:`)
    for (let from = 1; from <= count; from += chunkSize) {
      const to = Math.min(count, from + chunkSize - 1)
      // Users and their grants in one statement; the grant count (1-4) comes from the uuid's first byte.
      yield* sql`
        WITH bench_roles AS (SELECT array_agg(id ORDER BY code) AS ids FROM roles WHERE code LIKE 'bench%'),
        inserted AS (
          INSERT INTO users (id, access_key, email, name, password_hash, role_id, created_at, password_changed_at, version)
          SELECT gen_random_uuid(), 'bench-user-' || lpad(i::text, 6, '0'), 'bench-user-' || i || '@bench.localhost',
            'Bench User ' || i, ${fakePasswordHash},
            CASE WHEN i % 4 = 0 THEN NULL ELSE bench_roles.ids[1 + i % 3] END,
            timestamptz '2025-01-01 00:00:00+00' + (i / 3) * interval '1237 milliseconds',
            timestamptz '2025-01-01 00:00:00+00' + (i / 3) * interval '1237 milliseconds', 1
          FROM generate_series(${from}::int, ${to}::int) AS i, bench_roles
          RETURNING id, access_key
        )
        INSERT INTO user_permissions (user_id, resource, action, is_conditional, scope)
        SELECT inserted.id, g.resource, g.action, g.is_conditional,
          CASE WHEN g.is_conditional THEN ARRAY[inserted.access_key] ELSE '{}'::text[] END
        FROM inserted
        JOIN (VALUES (0, 'user', 'GET', false), (1, 'role', 'LIST', false), (2, 'user', 'UPDATE', true), (3, 'permission', 'LIST', false))
          AS g (k, resource, action, is_conditional)
          ON g.k <= get_byte(uuid_send(inserted.id), 0) % 4`
      yield* print(` ${Math.round((to / count) * 100)}%`)
    }
    yield* print(" analyze…")
    yield* sql`VACUUM (ANALYZE) users, user_permissions, roles`
    const [totals] = yield* sql<{ readonly users: number; readonly grants: number }>`
      SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM user_permissions) AS grants`
    const seconds = (performance.now() - start) / 1000
    yield* print(` done in ${seconds.toFixed(1)} s\n`)
    return { users: totals?.users ?? 0, grants: totals?.grants ?? 0, seconds }
  })
