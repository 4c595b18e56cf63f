/**
 * The statements the peer servers send: COPIED AS TEXT from what our PostgreSQL adapters send
 * (src/auth/adapters/postgres/UserRepositoryPg.ts, RoleRepositoryPg.ts, PermissionCataloguePg.ts,
 * Rows.ts, src/database/Keyset.ts, src/database/OutboxPg.ts, and the sessions' adapter), as captured
 * from node-postgres while our server answered the four benchmark operations (2026-12-04; the compare
 * benchmark checks it again on every PostgreSQL run, support/CompareSql.ts). Same text, same parameters, same
 * order, transactions and savepoints included, so a difference in the comparison is the server's, not
 * the database's. If the adapters' SQL changes, capture it again and update this file.
 */

const grantsOf = (table: "user_permissions" | "role_permissions", ownerColumn: string, owner: string) =>
  `(SELECT coalesce(json_agg(json_build_object('resource', g.resource, 'action', g.action, ` +
  `'isConditional', g.is_conditional, 'scope', g.scope)), '[]') FROM ${table} g WHERE g.${ownerColumn} = ${owner})`

const selectUsers = `SELECT u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at,
      u.password_changed_at, u.version, ${grantsOf("user_permissions", "user_id", "u.id")} AS permissions
      FROM users u`

const selectRoles = `SELECT r.id, r.code, r.name, r.created_at, r.version,
      ${grantsOf("role_permissions", "role_id", "r.id")} AS permissions
      FROM roles r`

/** $1 access key. */
export const userByAccessKey = `${selectUsers} WHERE u.access_key = $1 `
/** Keyset.ts's first page without a filter: $1 page size + 1. */
export const usersFirstPage = `${selectUsers} WHERE 1=1 ORDER BY u.created_at ASC, u.id ASC LIMIT $1`
/** The first page of a caller whose grant names some users: $1 their access keys as a JSON array, $2 page size + 1. */
export const usersFirstPageOf =
  `${selectUsers} WHERE u.access_key IN (SELECT json_array_elements_text($1::json)) ORDER BY u.created_at ASC, u.id ASC LIMIT $2`

/** The role loader's batch: $1 role ids as a JSON array. */
export const rolesByIds = `${selectRoles} WHERE r.id IN (SELECT json_array_elements_text($1::json)::uuid) `

export const catalogue = `SELECT p.resource, p.action, p.is_conditional FROM permissions p WHERE 1=1 `

/** UserRepositoryPg.save: $1 email, $2 name, $3 password hash, $4 role id, $5 password changed at, $6 id, $7 version read. */
export const updateUser = `UPDATE users SET email = $1, name = $2,
            password_hash = $3, role_id = $4,
            password_changed_at = $5, version = version + 1
            WHERE id = $6 AND version = $7 RETURNING id`
/** Rows.replaceGrants, first half: $1 user id. */
export const deleteUserGrants = `DELETE FROM user_permissions WHERE user_id = $1`
/** Rows.replaceGrants, second half: $1 user id, $2 the grants as JSON. */
export const insertUserGrants = `INSERT INTO user_permissions (user_id, resource, action, is_conditional, scope)
      SELECT $1::uuid, g.resource, g.action, g."isConditional", ARRAY(SELECT json_array_elements_text(g.scope))
      FROM json_to_recordset($2::json) AS g (resource text, action text, "isConditional" boolean, scope json)`
/** OutboxPg.append: $1 the envelopes as JSON. */
export const insertOutbox = `INSERT INTO outbox (id, type, payload, occurred_at)
            SELECT e.id, e.type, e.payload, e."occurredAt"
            FROM json_to_recordset($1::json)
              AS e (id uuid, type text, payload jsonb, "occurredAt" timestamptz)`
/**
 * The caller, read on every authenticated request (CallersPg.ts): the access token's session (`sid`),
 * its user with their grants, and their role with its grants, in one statement. $1 session id.
 */
export const callerBySession = `SELECT json_build_object('id', s.id, 'userId', s.user_id, 'createdAt', s.created_at, 'expiresAt', s.expires_at,
            'revokedAt', s.revoked_at, 'revokedReason', s.revoked_reason) AS session,
          u.id, u.access_key, u.email, u.name, u.password_hash, u.role_id, u.created_at, u.password_changed_at, u.version,
          ${grantsOf("user_permissions", "user_id", "u.id")}::text AS permissions,
          CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'code', r.code, 'name', r.name,
            'createdAt', r.created_at, 'version', r.version,
            'permissions', ${grantsOf("role_permissions", "role_id", "r.id")})::text END AS role
          FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN roles r ON r.id = u.role_id
          WHERE s.id = $1`
/** A sign-in first drops the user's expired sessions: $1 user id, $2 now. */
export const deleteExpiredSessions = `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`
/** $1 id, $2 user id, $3 created at, $4 expires at, $5 revoked at, $6 revoked reason. */
export const insertSession =
  `INSERT INTO sessions ("id","user_id","created_at","expires_at","revoked_at","revoked_reason") VALUES ($1,$2,$3,$4,$5,$6)`
/** $1 SHA-256 of the refresh token, $2 session id, $3 issued at, $4 expires at, $5 used at. */
export const insertRefreshToken =
  `INSERT INTO refresh_tokens ("token_hash","session_id","issued_at","expires_at","used_at") VALUES ($1,$2,$3,$4,$5)`
/** @effect/sql names the savepoint of a transaction nested in another (the sessions' writes inside the sign-in's unit of work). */
export const savepoint = "SAVEPOINT effect_sql_1"

export interface GrantRow {
  readonly resource: string
  readonly action: string
  readonly isConditional: boolean
  readonly scope: ReadonlyArray<string>
}

export interface UserRow {
  readonly id: string
  readonly access_key: string
  readonly email: string
  readonly name: string
  readonly password_hash: string
  readonly role_id: string | null
  readonly created_at: Date
  readonly password_changed_at: Date
  readonly version: number
  readonly permissions: ReadonlyArray<GrantRow>
}

/** callerBySession's row: the user's columns, the session and the role as JSON (dates as text). */
/** The caller's grants and role come as JSON text (as ours reads them: CallersPg.ts); `callerOf` parses them. */
export interface CallerRow extends Omit<UserRow, "permissions"> {
  readonly session: { readonly userId: string; readonly expiresAt: string; readonly revokedAt: string | null }
  readonly permissions: string
  readonly role: string | null
}

export type CallerRole = { readonly id: string; readonly code: string; readonly name: string; readonly permissions: ReadonlyArray<GrantRow> }

export interface RoleRow {
  readonly id: string
  readonly code: string
  readonly name: string
  readonly created_at: Date
  readonly version: number
  readonly permissions: ReadonlyArray<GrantRow>
}

export interface PermissionRow {
  readonly resource: string
  readonly action: string
  readonly is_conditional: boolean
}
