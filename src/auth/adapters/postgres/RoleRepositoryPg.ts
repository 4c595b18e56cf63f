import { SqlClient, SqlSchema } from "@effect/sql"
import type { Statement } from "@effect/sql/Statement"
import { Effect, Layer, Option, Schema } from "effect"
import { isUniqueViolation } from "../../../database/SqlErrors.js"
import { Conflict } from "../../../kernel/Errors.js"
import { RoleAlreadyExists } from "../../domain/Errors.js"
import * as Permission from "../../domain/Permission.js"
import type { Role } from "../../domain/Role.js"
import { RoleRepository } from "../../ports/RoleRepository.js"
import * as Rows from "./Rows.js"
import { grantsJson, RoleRow } from "./Rows.js"

/** LIKE treats `%`, `_` and `\` specially; a name filter means the literal text. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`)

export const layer: Layer.Layer<RoleRepository, never, SqlClient.SqlClient> = Layer.effect(
  RoleRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const selectRoles = sql`SELECT r.id, r.code, r.name, r.created_at, r.version,
      ${sql.literal(grantsJson("p"))} AS permissions
      FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id`
    const toRole = (row: typeof RoleRow.Type): Role => ({ ...row, permissions: Permission.normalize(row.permissions) })
    const findOne = (where: (request: string) => Statement<unknown>) =>
      SqlSchema.findOne({ Request: Schema.String, Result: RoleRow, execute: where })

    const byId = findOne((id) => sql`${selectRoles} WHERE r.id = ${id} GROUP BY r.id`)
    const byCode = findOne((code) => sql`${selectRoles} WHERE r.code = ${code} GROUP BY r.id`)
    const list = SqlSchema.findAll({
      Request: Schema.Struct({ name: Schema.String, limit: Schema.Number }),
      Result: RoleRow,
      execute: ({ limit, name }) =>
        sql`${selectRoles} WHERE r.name ILIKE ${`%${likeEscaped(name)}%`} GROUP BY r.id
          ORDER BY r.code COLLATE "C" LIMIT ${limit}`
    })

    const replaceGrants = (role: Role) =>
      Rows.replaceGrants(sql, "role_permissions", { column: "roleId", id: role.id }, role.permissions)

    return RoleRepository.of({
      byId: (id) => Effect.map(byId(id), Option.map(toRole)).pipe(Effect.orDie),
      byCode: (code) => Effect.map(byCode(code), Option.map(toRole)).pipe(Effect.orDie),
      add: (role) =>
        Effect.gen(function*() {
          yield* sql`INSERT INTO roles ${sql.insert({ id: role.id, code: role.code, name: role.name, createdAt: role.createdAt, version: 1 })}`
          yield* replaceGrants(role)
        }).pipe(
          sql.withTransaction,
          Effect.catchTag("SqlError", (error) =>
            isUniqueViolation(error) ? Effect.fail(new RoleAlreadyExists({ code: role.code })) : Effect.die(error))
        ),
      save: (role) =>
        Effect.gen(function*() {
          const updated = yield* sql`UPDATE roles SET name = ${role.name}, version = version + 1
            WHERE id = ${role.id} AND version = ${role.version} RETURNING id`
          if (updated.length === 0) return yield* new Conflict({ aggregate: "Role", id: role.id })
          yield* replaceGrants(role)
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die)),
      list: (query) => Effect.map(list(query), (rows) => rows.map(toRole)).pipe(Effect.orDie)
    })
  })
)
