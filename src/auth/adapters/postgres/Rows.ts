import { Schema } from "effect"
import { actions } from "../../domain/Permission.js"

/** Row shapes as they come back from SQL (snake_case already turned into camelCase by the client). */
export const Grant = Schema.Struct({
  resource: Schema.String,
  action: Schema.Literal(...actions),
  isConditional: Schema.Boolean
})

/** Aggregates a grants table into one JSON array column, `[]` when there is none. */
export const grantsJson = (alias: string) =>
  `coalesce(json_agg(json_build_object('resource', ${alias}.resource, 'action', ${alias}.action, ` +
  `'isConditional', ${alias}.is_conditional) ORDER BY ${alias}.resource, ${alias}.action, ${alias}.is_conditional) ` +
  `FILTER (WHERE ${alias}.resource IS NOT NULL), '[]')`

export const UserRow = Schema.Struct({
  id: Schema.String.pipe(Schema.brand("UserId")),
  accessKey: Schema.String,
  email: Schema.String,
  name: Schema.String,
  passwordHash: Schema.String,
  roleId: Schema.NullOr(Schema.String.pipe(Schema.brand("RoleId"))),
  permissions: Schema.Array(Grant),
  createdAt: Schema.DateFromSelf,
  passwordChangedAt: Schema.DateFromSelf,
  version: Schema.Number
})

export const RoleRow = Schema.Struct({
  id: Schema.String.pipe(Schema.brand("RoleId")),
  code: Schema.String,
  name: Schema.String,
  permissions: Schema.Array(Grant),
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
})
