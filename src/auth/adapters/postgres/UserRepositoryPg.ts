import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Option, Schema } from "effect"
import * as Grant from "../../../access/Grant.js"
import * as Keyset from "../../../database/Keyset.js"
import { isUniqueViolation } from "../../../database/SqlErrors.js"
import { textList } from "../../../database/TextList.js"
import { Conflict } from "../../../kernel/Errors.js"
import { UserAlreadyExists } from "../../domain/Errors.js"
import type { User } from "../../domain/User.js"
import { type UserFilter, type UserKey, UserRepository } from "../../ports/UserRepository.js"
import { grantsOf, replaceGrants, UserRow } from "./Rows.js"

export const layer: Layer.Layer<UserRepository, never, SqlClient.SqlClient> = Layer.effect(
  UserRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const selectUsers = sql`SELECT u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at,
      u.password_changed_at, u.version, ${sql.literal(grantsOf("user_permissions", "user_id", "u.id"))} AS permissions
      FROM users u`
    const toUser = (row: typeof UserRow.Type): User => ({ ...row, permissions: Grant.normalize(row.permissions) })
    const decode = Schema.decodeUnknown(Schema.Array(UserRow))
    const users = (where: Fragment, rest: Fragment = sql``) =>
      sql`${selectUsers} WHERE ${where} ${rest}`.pipe(Effect.flatMap(decode), Effect.map((rows) => rows.map(toUser)))
    const one = (where: Fragment) => Effect.map(users(where), (found) => Option.fromNullable(found[0])).pipe(Effect.orDie)
    const list = Keyset.make(sql, {
      from: "users u",
      sortKey: { columns: ["u.created_at", "u.id"], values: (key: UserKey) => [key.createdAt, key.id] },
      where: (filter: UserFilter) =>
        sql.and([
          ...(filter.accessKeys === undefined ? [] : [sql`u.access_key IN (SELECT json_array_elements_text(${textList(filter.accessKeys)}::json))`]),
          ...(filter.roleId === undefined ? [] : [sql`u.role_id = ${filter.roleId}`])
        ])
    }, users)

    const grants = (user: User) => replaceGrants(sql, "user_permissions", { column: "user_id", id: user.id }, user.permissions)

    return UserRepository.of({
      byId: (id) => one(sql`u.id = ${id}`),
      byAccessKey: (accessKey) => one(sql`u.access_key = ${accessKey}`),
      add: (user) =>
        sql`INSERT INTO users ${
          sql.insert({
            id: user.id,
            accessKey: user.accessKey,
            email: user.email,
            name: user.name,
            passwordHash: user.passwordHash,
            roleId: user.roleId,
            createdAt: user.createdAt,
            passwordChangedAt: user.passwordChangedAt,
            version: 1
          })
        }`.pipe(
          Effect.zipRight(grants(user)),
          Effect.catchTag("SqlError", (error) =>
            isUniqueViolation(error) ? Effect.fail(new UserAlreadyExists({ accessKey: user.accessKey })) : Effect.die(error))
        ),
      save: (user) =>
        Effect.gen(function*() {
          const updated = yield* sql`UPDATE users SET email = ${user.email}, name = ${user.name},
            password_hash = ${user.passwordHash}, role_id = ${user.roleId},
            password_changed_at = ${user.passwordChangedAt}, version = version + 1
            WHERE id = ${user.id} AND version = ${user.version} RETURNING id`
          if (updated.length === 0) return yield* new Conflict({ aggregate: "User", id: user.id })
          yield* grants(user)
        }).pipe(Effect.catchTag("SqlError", Effect.die)),
      remove: (user) =>
        sql`DELETE FROM users WHERE id = ${user.id} AND version = ${user.version} RETURNING id`.pipe(
          Effect.flatMap((deleted) => deleted.length === 0 ? new Conflict({ aggregate: "User", id: user.id }) : Effect.void),
          Effect.catchTag("SqlError", Effect.die)
        ),
      page: (query, filter) => Effect.orDie(list.page(query, filter)),
      count: (filter) => Effect.orDie(list.count(filter))
    })
  })
)
