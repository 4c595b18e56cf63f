import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import type { Statement } from "@effect/sql/Statement"
import { isUniqueViolation } from "../../../database/SqlErrors.js"
import { Conflict } from "../../../kernel/Errors.js"
import { UserAlreadyExists } from "../../domain/Errors.js"
import * as Permission from "../../domain/Permission.js"
import type { User } from "../../domain/User.js"
import { UserRepository } from "../../ports/UserRepository.js"
import * as Rows from "./Rows.js"
import { grantsJson, UserRow } from "./Rows.js"

export const layer: Layer.Layer<UserRepository, never, SqlClient.SqlClient> = Layer.effect(
  UserRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const selectUsers = sql`SELECT u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at,
      u.password_changed_at, u.version, ${sql.literal(grantsJson("p"))} AS permissions
      FROM users u LEFT JOIN user_permissions p ON p.user_id = u.id`
    const toUser = (row: typeof UserRow.Type): User => ({ ...row, permissions: Permission.normalize(row.permissions) })
    const findOne = (where: (request: string) => Statement<unknown>) =>
      SqlSchema.findOne({ Request: Schema.String, Result: UserRow, execute: where })

    const byId = findOne((id) => sql`${selectUsers} WHERE u.id = ${id} GROUP BY u.id`)
    const byAccessKey = findOne((key) => sql`${selectUsers} WHERE u.access_key = ${key} GROUP BY u.id`)
    const list = SqlSchema.findAll({
      Request: Schema.Number,
      Result: UserRow,
      execute: (limit) => sql`${selectUsers} GROUP BY u.id ORDER BY u.created_at, u.id LIMIT ${limit}`
    })

    const replaceGrants = (user: User) =>
      Rows.replaceGrants(sql, "user_permissions", { column: "userId", id: user.id }, user.permissions)

    return UserRepository.of({
      byId: (id) => Effect.map(byId(id), Option.map(toUser)).pipe(Effect.orDie),
      byAccessKey: (accessKey) => Effect.map(byAccessKey(accessKey), Option.map(toUser)).pipe(Effect.orDie),
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
          Effect.zipRight(replaceGrants(user)),
          sql.withTransaction,
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
          yield* replaceGrants(user)
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die)),
      list: ({ limit }) => Effect.map(list(limit), (rows) => rows.map(toUser)).pipe(Effect.orDie),
      count: sql<{ count: number }>`SELECT count(*)::int AS count FROM users`.pipe(
        Effect.map((rows) => rows[0]?.count ?? 0),
        Effect.orDie
      )
    })
  })
)
