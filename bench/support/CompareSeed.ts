/**
 * The comparison's data, the same on PostgreSQL and on PGlite: an administrator with the `admin` role
 * (every unconditional permission, as src/auth/Bootstrap.ts makes it), the pagination seed's users
 * (SeedUsers.ts: roles for three in four, one to four own grants each), grants on those roles, and a
 * real password (argon2, by our hasher) for the administrator and for the user `me` is asked as.
 * Plain SQL on the migrated schema, so it does not depend on how the commands are wired.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Redacted } from "effect"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import { PasswordHasher } from "../../src/auth/ports/PasswordHasher.js"
import * as SeedUsers from "./SeedUsers.js"

export const users = 1000

export interface Account {
  readonly accessKey: string
  readonly password: string
}

export interface Seeded {
  readonly admin: Account
  /** Has a role with grants and grants of their own: the caller of scenario (1) and of the logins. */
  readonly member: Account
  /** Users the mutation writes to, in turn, so that concurrent writes rarely meet on one user. */
  readonly targets: ReadonlyArray<string>
}

/** Fixed passwords: the databases are temporary and only the benchmark's servers listen, on loopback. */
export const seeded: Seeded = {
  admin: { accessKey: "admin", password: "compare-admin-password" },
  member: { accessKey: "bench-user-000001", password: "compare-member-password" },
  targets: Array.from({ length: 256 }, (_, i) => `bench-user-${String(101 + i).padStart(6, "0")}`)
}

export const seed = (sql: SqlClient.SqlClient): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const hasher = yield* PasswordHasher
    const adminHash = yield* hasher.hash(Redacted.make(seeded.admin.password))
    const memberHash = yield* hasher.hash(Redacted.make(seeded.member.password))
    yield* SeedUsers.seed(sql, users)
    yield* sql`INSERT INTO roles (id, code, name, created_at, version) VALUES (gen_random_uuid(), 'admin', 'Administrator', now(), 1)`
    yield* sql`INSERT INTO role_permissions (role_id, resource, action, is_conditional, scope)
      SELECT r.id, p.resource, p.action, false, '{}' FROM roles r, permissions p WHERE r.code = 'admin' AND NOT p.is_conditional`
    yield* sql`INSERT INTO users (id, access_key, email, name, password_hash, role_id, created_at, password_changed_at, version)
      SELECT gen_random_uuid(), ${seeded.admin.accessKey}, 'admin@kingdom.localhost', 'Administrator', ${adminHash}, r.id, now(), now(), 1
      FROM roles r WHERE r.code = 'admin'`
    yield* sql`INSERT INTO role_permissions (role_id, resource, action, is_conditional, scope)
      SELECT r.id, g.resource, g.action, g.conditional, g.scope
      FROM roles r JOIN (VALUES
        ('bench_reader', 'user', 'LIST', false, '{}'::text[]), ('bench_reader', 'role', 'GET', false, '{}'::text[]),
        ('bench_editor', 'user', 'UPDATE', true, ARRAY['bench-user-000002', 'bench-user-000003']), ('bench_editor', 'role', 'LIST', false, '{}'::text[]),
        ('bench_admin', 'user', 'DELETE', false, '{}'::text[]), ('bench_admin', 'permission', 'LIST', false, '{}'::text[])
      ) AS g (code, resource, action, conditional, scope) ON g.code = r.code`
    yield* sql`UPDATE users SET password_hash = ${memberHash} WHERE access_key = ${seeded.member.accessKey}`
    yield* sql`ANALYZE`
  }).pipe(Effect.provide(Argon2Hasher.layer(2)))
