/**
 * The schema slice every peer server serves, and its resolvers, written once and shared by the
 * graphql-yoga, Mercurius (+ graphql-jit) and bare node:http servers so that they differ only in
 * their framework. The SDL is ours, read from our files (the whole auth module's SDL; only the four
 * benchmarked fields have resolvers). The work per request mirrors ours statement for statement
 * (Sql.ts): the caller is looked up once per request from the bearer token (jose, the same checks as
 * src/auth/adapters/JoseTokens.ts), then the user and their role; roles of the users in an answer come
 * in one batch per request (DataLoader, as src/graphql/Loaders.ts); argon2id with our parameters
 * (src/auth/adapters/Argon2Hasher.ts), verified before the transaction as our sign-in does;
 * access tokens name a session (`sid`) that is checked on every request, and a sign-in starts one.
 */
import { hash, type Options, verify } from "@node-rs/argon2"
import DataLoader from "dataloader"
import { GraphQLError } from "graphql"
import { jwtVerify, SignJWT } from "jose"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import { sdl as directivesSdl } from "../../src/graphql/Directives.js"
import * as Access from "./Access.js"
import * as Sql from "./Sql.js"
import type { Store } from "./Store.js"

/** src/graphql/Schema.ts's root types, which every module extends. */
const rootsSdl = `
type Query
type Mutation
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
`
export const typeDefs = [directivesSdl, rootsSdl, Fs.readFileSync(new URL("../../src/auth/graphql/schema.graphql", import.meta.url), "utf8")].join("\n")

/** Argon2Hasher.ts's options: argon2id (2; the package's const enum is unusable under isolatedModules), 19 MiB, 2 passes, 1 lane. */
const argon2: Options = { algorithm: 2 as NonNullable<Options["algorithm"]>, memoryCost: 19_456, timeCost: 2, parallelism: 1 }
const bearer = /^Bearer[ \t]+([^\s]+)[ \t]*$/i
const maxPageSize = 100
const defaultPageSize = 20
const conflictRetries = 10
/** REFRESH_TOKEN_TTL's default: a session lasts as long as its newest refresh token. */
const refreshTtlMillis = 30 * 24 * 3600 * 1000

export interface TokenSettings {
  readonly key: Uint8Array
  readonly issuer: string
  readonly audience: string
  readonly ttlSeconds: number
}

export const tokenSettings = (): TokenSettings => ({
  key: new TextEncoder().encode(process.env["JWT_SECRET"] ?? ""),
  issuer: process.env["JWT_ISSUER"] ?? "kingdom-server",
  audience: process.env["JWT_AUDIENCE"] ?? "kingdom",
  ttlSeconds: Number(process.env["JWT_TTL_SECONDS"] ?? "3600")
})

interface Principal {
  readonly user: Sql.UserRow
  readonly role: Sql.CallerRole | null
  readonly grants: ReadonlyArray<Sql.GrantRow>
}

export interface PeerContext {
  readonly principal: () => Promise<Principal | null>
  readonly roles: DataLoader<string, Sql.RoleRow | null>
}

const fail = (code: string, message: string): never => {
  throw new GraphQLError(message, { extensions: { code } })
}

const findPrincipal = async (store: Store, tokens: TokenSettings, authorization: string | null | undefined): Promise<Principal | null> => {
  const token = authorization == null ? undefined : bearer.exec(authorization)?.[1]
  if (token === undefined) return null
  let userId: string
  let sessionId: string
  try {
    const { payload } = await jwtVerify(token, tokens.key, {
      algorithms: ["HS256"], typ: "at+jwt", issuer: tokens.issuer, audience: tokens.audience, requiredClaims: ["exp", "iat", "sub", "sid"]
    })
    userId = payload.sub!
    sessionId = String(payload["sid"])
  } catch {
    return null
  }
  // A token outlives neither its session (logout, revocation) nor the session's expiry; one statement reads all.
  const [caller] = await store.query<Sql.CallerRow>(Sql.callerBySession, [sessionId])
  if (caller === undefined) return null
  const { permissions, role: roleText, session, ...columns } = caller
  if (session.revokedAt !== null || new Date(session.expiresAt) <= new Date() || session.userId !== userId) return null
  const user = { ...columns, permissions: JSON.parse(permissions) as ReadonlyArray<Sql.GrantRow> }
  const role = roleText === null ? null : JSON.parse(roleText) as Sql.CallerRole
  return { user, role, grants: Access.union(user.permissions, role?.permissions ?? []) }
}

/** A request's context: the caller (looked up at most once, only if a field asks) and the role loader. */
export const makeContext = (store: Store, tokens: TokenSettings, authorization: string | null | undefined): PeerContext => {
  let principal: Promise<Principal | null> | undefined
  return {
    principal: () => (principal ??= findPrincipal(store, tokens, authorization)),
    roles: new DataLoader(async (ids) => {
      const found = await store.query<Sql.RoleRow>(Sql.rolesByIds, [JSON.stringify(ids)])
      return ids.map((id) => found.find((role) => role.id === id) ?? null)
    })
  }
}

const signedIn = async (context: PeerContext) => (await context.principal()) ?? fail("UNAUTHENTICATED", "Sign in first")

/** @needsPermission as a lookup: how far the caller reaches, refused when not at all (or not to `instance`). */
const allowed = async (context: PeerContext, resource: string, action: string, instance?: string) => {
  const caller = await signedIn(context)
  const granted = Access.reach(caller.grants, resource, action)
  if (!Access.reaches(granted, instance)) fail("FORBIDDEN", `Not allowed: ${resource} ${action}`)
  return { caller, granted }
}

const userView = (user: Sql.UserRow) => ({
  accessKey: user.access_key,
  email: user.email,
  name: user.name,
  createdAt: user.created_at.toISOString(),
  permissions: Access.union(user.permissions),
  roleId: user.role_id,
  ownGrants: user.permissions
})
type UserView = ReturnType<typeof userView>

const roleOf = (user: UserView & { readonly knownRole?: Sql.CallerRole | null }, context: PeerContext) =>
  user.knownRole !== undefined ? Promise.resolve(user.knownRole) : user.roleId === null ? Promise.resolve(null) : context.roles.load(user.roleId)

const userFields = {
  role: async (user: UserView, _: unknown, context: PeerContext) => {
    const role = await roleOf(user, context)
    return role === null ? null : { code: role.code, name: role.name }
  },
  effectivePermissions: async (user: UserView, _: unknown, context: PeerContext) =>
    Access.union(user.ownGrants, (await roleOf(user, context))?.permissions ?? [])
}

/** kernel/Cursor.ts's encoding, so that the pages' cursors are ours byte for byte. */
const cursorOf = (user: Sql.UserRow) =>
  Buffer.from(JSON.stringify(["users", { createdAt: user.created_at.toISOString(), id: user.id }])).toString("base64url")

interface PageArgs {
  readonly first?: number | null
  readonly after?: string | null
  readonly last?: number | null
  readonly before?: string | null
}

const usersPage = async (store: Store, granted: Access.Reach, args: PageArgs) => {
  if (args.after != null || args.last != null || args.before != null) fail("BAD_USER_INPUT", "this benchmark slice serves first pages only")
  const size = args.first ?? defaultPageSize
  if (size < 0 || size > maxPageSize) fail("BAD_USER_INPUT", `first must be between 0 and ${maxPageSize}`)
  const rows = granted === "all"
    ? await store.query<Sql.UserRow>(Sql.usersFirstPage, [size + 1])
    : await store.query<Sql.UserRow>(Sql.usersFirstPageOf, [JSON.stringify([...granted]), size + 1])
  const page = rows.slice(0, size)
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: userView(row) }))
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { hasNextPage: rows.length > size, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null }
  }
}

interface GrantInput {
  readonly resource: string
  readonly action: string
  readonly isConditional: boolean
  readonly scope?: ReadonlyArray<string> | null
}

/** GrantRequest.check: a scope on conditional grants only, and never empty there. */
const checked = (input: GrantInput): Sql.GrantRow => {
  const scope = input.scope ?? []
  if (input.isConditional === (scope.length === 0)) fail("BAD_USER_INPUT", `scope of ${input.resource}:${input.action}`)
  return Access.union([{ resource: input.resource, action: input.action, isConditional: input.isConditional, scope }])[0]!
}

class Conflict extends Error {}

/** Read once per process, as ours keeps it (PermissionCataloguePg.ts). */
let catalogueRead: Promise<ReadonlyArray<Sql.PermissionRow>> | undefined
const knownCatalogue = (store: Store) => (catalogueRead ??= store.query<Sql.PermissionRow>(Sql.catalogue))

const attach = async (store: Store, actor: Principal, accessKey: string, requested: ReadonlyArray<Sql.GrantRow>) => {
  // Before the transaction: on PGlite the store has one session, which the transaction holds.
  const catalogue = await knownCatalogue(store)
  return store.transaction(async (query) => {
    const [user] = await query<Sql.UserRow>(Sql.userByAccessKey, [accessKey])
    if (user === undefined) return fail("USER_NOT_FOUND", `User ${accessKey} not found`)
    for (const grant of requested) {
      const listed = catalogue.some((p) => p.resource === grant.resource && p.action === grant.action && p.is_conditional === grant.isConditional)
      if (!listed) fail("BAD_USER_INPUT", `${grant.resource}:${grant.action} is not in the catalogue`)
      if (!Access.covers(actor.grants, grant)) fail("FORBIDDEN", `cannot hand out ${grant.resource}:${grant.action}`)
    }
    const grants = Access.union(user.permissions, requested)
    const updated = await query(Sql.updateUser, [user.email, user.name, user.password_hash, user.role_id, user.password_changed_at, user.id, user.version])
    if (updated.length === 0) throw new Conflict()
    await query(Sql.deleteUserGrants, [user.id])
    await query(Sql.insertUserGrants, [user.id, JSON.stringify(grants)])
    const event = { userId: user.id, permissions: Access.union(requested), _tag: "UserPermissionsAttached" }
    await query(Sql.insertOutbox, [JSON.stringify([{ id: randomUUID(), type: event._tag, occurredAt: new Date().toISOString(), payload: event }])])
  })
}

/** Resolvers for graphql-js's executor and for graphql-tools/Mercurius (the same shape). */
export const makeResolvers = async (store: Store, tokens: TokenSettings) => {
  // Verified against when the account is unknown, as ours does, so that path costs a real check.
  const decoy = await hash(randomBytes(16).toString("base64url"), argon2)
  return {
    Query: {
      // From the caller as read with the session, as ours answers.
      me: async (_: unknown, __: unknown, context: PeerContext) => {
        const caller = await signedIn(context)
        return { ...userView(caller.user), knownRole: caller.role }
      },
      users: async (_: unknown, args: PageArgs, context: PeerContext) => {
        const { granted } = await allowed(context, "user", "LIST")
        return usersPage(store, granted, args)
      }
    },
    Mutation: {
      authenticate: async (_: unknown, { command }: { command: { accessKey: string; password: string } }) => {
        // The password is checked before the transaction, as ours does (src/auth/handlers/Authentication.ts).
        const [user] = await store.query<Sql.UserRow>(Sql.userByAccessKey, [command.accessKey])
        const matches = await verify(user?.password_hash ?? decoy, command.password).catch(() => false)
        if (!matches || user === undefined) return fail("WRONG_CREDENTIALS", "Wrong access key or password")
        const issued = await store.transaction(async (query) => {
          // A session with its first refresh token (stored as a hash), as ours starts one.
          const now = new Date()
          const sessionEnds = new Date(now.getTime() + refreshTtlMillis)
          const sessionId = randomUUID()
          await query(Sql.deleteExpiredSessions, [user.id, now])
          await query(Sql.savepoint)
          await query(Sql.insertSession, [sessionId, user.id, now, sessionEnds, null, null])
          const refreshToken = randomBytes(32).toString("base64url")
          await query(Sql.insertRefreshToken, [createHash("sha256").update(refreshToken).digest("base64url"), sessionId, now, sessionEnds, null])
          const issuedAt = Math.floor(now.getTime() / 1000)
          const value = await new SignJWT({ sid: sessionId }).setProtectedHeader({ alg: "HS256", typ: "at+jwt" }).setSubject(user.id)
            .setIssuer(tokens.issuer).setAudience(tokens.audience).setIssuedAt(issuedAt).setExpirationTime(issuedAt + tokens.ttlSeconds)
            .setJti(randomUUID()).sign(tokens.key)
          return { user, value }
        })
        return { ...userView(issued.user), token: { value: issued.value, authType: "Bearer" } }
      },
      attachUserPermissions: async (_: unknown, { command }: { command: { accessKey: string; permissions: ReadonlyArray<GrantInput> } }, context: PeerContext) => {
        const { caller } = await allowed(context, "user", "UPDATE", command.accessKey)
        const requested = command.permissions.map(checked)
        for (let attempt = 0; ; attempt++) {
          try {
            await attach(store, caller, command.accessKey, requested)
            return { status: "PERMISSIONS_ATTACHED", message: `Permissions attached to user ${command.accessKey}` }
          } catch (error) {
            if (!(error instanceof Conflict)) throw error
            if (attempt >= conflictRetries) fail("CONFLICT", "the user changed meanwhile; try again")
          }
        }
      }
    },
    User: userFields,
    AuthenticatedUser: userFields
  }
}
