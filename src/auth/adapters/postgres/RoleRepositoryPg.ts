import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Option, Schema } from "effect"
import * as Grant from "../../../access/Grant.js"
import * as Keyset from "../../../database/Keyset.js"
import { isForeignKeyViolation, isUniqueViolation } from "../../../database/SqlErrors.js"
import { textList } from "../../../database/TextList.js"
import { Conflict } from "../../../kernel/Errors.js"
import { RoleAlreadyExists, RoleInUse } from "../../domain/Errors.js"
import type { Role } from "../../domain/Role.js"
import { type RoleFilter, type RoleKey, RoleRepository } from "../../ports/RoleRepository.js"
import { grantsOf, replaceGrants, RoleRow } from "./Rows.js"

/** LIKE treats `%`, `_` and `\` specially; a name filter means the literal text. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`)

export const layer: Layer.Layer<RoleRepository, never, SqlClient.SqlClient> = Layer.effect(
  RoleRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const selectRoles = sql`SELECT r.id, r.code, r.name, r.created_at, r.version,
      ${sql.literal(grantsOf("role_permissions", "role_id", "r.id"))} AS permissions
      FROM roles r`
    const toRole = (row: typeof RoleRow.Type): Role => ({ ...row, permissions: Grant.normalize(row.permissions) })
    const decode = Schema.decodeUnknown(Schema.Array(RoleRow))
    const roles = (where: Fragment, rest: Fragment = sql``) =>
      sql`${selectRoles} WHERE ${where} ${rest}`.pipe(Effect.flatMap(decode), Effect.map((rows) => rows.map(toRole)), Effect.orDie)
    const one = (where: Fragment) => Effect.map(roles(where), (found) => Option.fromNullable(found[0]))
    const list = Keyset.make(sql, {
      from: "roles r",
      // Byte order, the same on every server whatever its default collation (and what the memory adapter does).
      sortKey: { columns: [`r.code COLLATE "C"`], values: (code: RoleKey) => [code] },
      where: (filter: RoleFilter) =>
        sql.and([
          ...(filter.name === "" ? [] : [sql`r.name ILIKE ${`%${likeEscaped(filter.name)}%`}`]),
          ...(filter.codes === undefined ? [] : [sql`r.code IN (SELECT json_array_elements_text(${textList(filter.codes)}::json))`])
        ])
    }, roles)

    const grants = (role: Role) => replaceGrants(sql, "role_permissions", { column: "role_id", id: role.id }, role.permissions)

    return RoleRepository.of({
      byId: (id) => one(sql`r.id = ${id}`),
      byIds: (ids) =>
        ids.length === 0 ? Effect.succeed([]) : roles(sql`r.id IN (SELECT json_array_elements_text(${textList(ids)}::json)::uuid)`),
      byCode: (code) => one(sql`r.code = ${code}`),
      add: (role) =>
        Effect.gen(function*() {
          yield* sql`INSERT INTO roles ${sql.insert({ id: role.id, code: role.code, name: role.name, createdAt: role.createdAt, version: 1 })}`
          yield* grants(role)
        }).pipe(
          Effect.catchTag("SqlError", (error) =>
            isUniqueViolation(error) ? Effect.fail(new RoleAlreadyExists({ code: role.code })) : Effect.die(error))
        ),
      save: (role) =>
        Effect.gen(function*() {
          const updated = yield* sql`UPDATE roles SET name = ${role.name}, version = version + 1
            WHERE id = ${role.id} AND version = ${role.version} RETURNING id`
          if (updated.length === 0) return yield* new Conflict({ aggregate: "Role", id: role.id })
          yield* grants(role)
        }).pipe(Effect.catchTag("SqlError", Effect.die)),
      // The foreign key from users settles a race with a concurrent setUserRole.
      remove: (role) =>
        sql`DELETE FROM roles WHERE id = ${role.id} AND version = ${role.version} RETURNING id`.pipe(
          Effect.flatMap((deleted) => deleted.length === 0 ? new Conflict({ aggregate: "Role", id: role.id }) : Effect.void),
          Effect.catchTag("SqlError", (error) =>
            isForeignKeyViolation(error) ? Effect.fail(new RoleInUse({ code: role.code })) : Effect.die(error))
        ),
      page: (query, filter) => Effect.orDie(list.page(query, filter)),
      count: (filter) => Effect.orDie(list.count(filter))
    })
  })
)
