/**
 * What one GraphQL request costs in SQL statements: nested fields are batched per request, so a page
 * of 100 users costs what a page of 10 does. Runs the schema in process (no HTTP) on each SQL backend,
 * with a statement counter in the runtime the resolvers and their DataLoader batches run on.
 */
import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Chunk, Context, Effect, Layer, Option, Runtime, Stream } from "effect"
import * as Grant from "../../src/access/Grant.js"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as MailerMemory from "../../src/auth/adapters/memory/MailerMemory.js"
import * as Authentication from "../../src/auth/Authentication.js"
import { RoleId, SessionId, UserId } from "../../src/auth/domain/Ids.js"
import * as Session from "../../src/auth/domain/Session.js"
import type { Role } from "../../src/auth/domain/Role.js"
import * as User from "../../src/auth/domain/User.js"
import * as AuthApi from "../../src/auth/graphql/Resolvers.js"
import * as Views from "../../src/auth/graphql/Views.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { SessionRepository } from "../../src/auth/ports/SessionRepository.js"
import { TokenIssuer } from "../../src/auth/ports/TokenIssuer.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import * as Queries from "../../src/auth/Queries.js"
import * as Composition from "../../src/Composition.js"
import { PgliteDb } from "../../src/database/PgliteClient.js"
import * as OutboxPg from "../../src/database/OutboxPg.js"
import * as SqlUnitOfWork from "../../src/database/SqlUnitOfWork.js"
import * as CommitSignal from "../../src/kernel/CommitSignal.js"
import { LocalSubscriptions } from "../../src/kernel/Outbox.js"
import type { GraphQLContext } from "../../src/graphql/Context.js"
import * as Execute from "../../src/graphql/Execute.js"
import {
  execute,
  type ExecutionResult,
  type GraphQLObjectType,
  type GraphQLSchema as GraphQLSchemaType,
  parse
} from "../../src/graphql/GraphQLJs.js"
import * as Loaders from "../../src/graphql/Loaders.js"
import * as GraphQLSchema from "../../src/graphql/Schema.js"
import { randomKey, uuid } from "../support/RandomRefs.js"
import { suiteName } from "../support/Skips.js"
import * as StatementCounter from "../support/StatementCounter.js"
import { backends } from "../support/TestDatabases.js"
import * as TestLayers from "../support/TestLayers.js"
import * as TestServer from "../support/TestServer.js"

const userCount = 100
const roleCount = 10

/** What the tests read: the listed users (in creation order), their roles, and a token for the caller. */
class World extends Context.Tag("test/StatementCount/World")<World, {
  readonly token: string
  /** A caller who may attach `role LIST` to the listed users (user UPDATE and role LIST of its own). */
  readonly attacherToken: string
  /** Whom the attacher attaches to: outside the listed users, so the lists stay as they are. */
  readonly attachTarget: string
  readonly accessKeys: ReadonlyArray<string>
  /** The code of each listed user's role, by position. */
  readonly roleCodes: ReadonlyArray<string>
}>() {}

/** A session for the user and an access token naming it, as a sign-in makes them. */
const signIn = (userId: UserId) =>
  Effect.gen(function*() {
    const signedIn = Session.start({ id: SessionId(uuid()), userId, tokenHash: randomKey("refresh"), now: new Date(), ttlMillis: 3_600_000 })
    yield* Effect.flatMap(SessionRepository, (sessions) => sessions.start(signedIn.session, signedIn.token))
    return (yield* Effect.flatMap(TokenIssuer, (tokens) => tokens.issue({ userId, sessionId: signedIn.session.id }))).value
  })

/**
 * 10 roles and 100 users over them, written with the repositories (no argon2: a fake hash), each with
 * an unconditional grant and a conditional, scoped one. The caller lists users through its role's
 * `user LIST` grant scoped to exactly those 100 (so the caller itself is not listed, and whatever else
 * the database holds does not count), and may GET them through a grant of its own.
 */
const world = Layer.effect(World, Effect.gen(function*() {
  const users = yield* UserRepository
  const roles = yield* RoleRepository
  const prefix = randomKey("count")
  const start = Date.now() - 60_000
  const role = (code: string, permissions: ReadonlyArray<Grant.Grant>): Role =>
    ({ id: RoleId(uuid()), code, name: `Role ${code}`, permissions, createdAt: new Date(start), version: 0 })
  const user = (accessKey: string, roleId: RoleId | null, permissions: ReadonlyArray<Grant.Grant>, at: number) => ({
    ...User.register({ id: UserId(uuid()), accessKey, email: `${accessKey}@example.test`, name: accessKey, passwordHash: "$fake$", now: new Date(at) }).state,
    roleId,
    permissions
  })

  const accessKeys = Array.from({ length: userCount }, (_, index) => `${prefix}-user-${index}`)
  const listed = Array.from({ length: roleCount }, (_, index) =>
    role(`${prefix}-role-${index}`, [Grant.unconditional("role", "GET"), Grant.scoped("user", "GET", accessKeys.slice(index, index + 3))]))
  yield* Effect.forEach(listed, roles.add)
  // Distinct creation times, so the list order is the order here.
  yield* Effect.forEach(accessKeys, (accessKey, index) =>
    users.add(user(accessKey, listed[index % roleCount]!.id, [Grant.unconditional("permission", "LIST"), Grant.scoped("user", "UPDATE", [accessKey])], start + index)))

  const callerRole = role(`${prefix}-lister`, [Grant.scoped("user", "LIST", accessKeys)])
  yield* roles.add(callerRole)
  const caller = user(`${prefix}-caller`, callerRole.id, [Grant.scoped("user", "GET", accessKeys)], start + userCount)
  yield* users.add(caller)
  const token = yield* signIn(caller.id)
  const attacher = user(`${prefix}-attacher`, null, [Grant.unconditional("user", "UPDATE"), Grant.unconditional("role", "LIST")], start + userCount + 1)
  yield* users.add(attacher)
  const target = user(`${prefix}-target`, null, [], start + userCount + 2)
  yield* users.add(target)
  return { token, attacherToken: yield* signIn(attacher.id), attachTarget: target.accessKey, accessKeys, roleCodes: accessKeys.map((_, index) => listed[index % roleCount]!.code) }
}))

const services = Authentication.layer.pipe(Layer.provideMerge(Layer.mergeAll(
  Composition.authRepositoriesSql,
  SqlUnitOfWork.layer,
  Argon2Hasher.layer(2),
  MailerMemory.layer,
  TestLayers.tokens,
  TestLayers.settings,
  // Queries raise no events; the bus's outbox and signal are here only because the API's type needs them.
  OutboxPg.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, []))),
  CommitSignal.layer,
  Composition.throttle(TestServer.rateLimits)
)))

const usersPage = `query Users($first: Int!) {
  users(first: $first) {
    totalCount
    edges { cursor node { accessKey permissions { resource action scope } effectivePermissions { resource action scope } role { code name } } }
    pageInfo { hasNextPage }
  }
}`

/** The comparison benchmark's queries (bench/support/CompareScenarios.ts). */
const grantFields = "resource action isConditional scope"
const meQuery = `query Me { me { accessKey email name createdAt permissions { ${grantFields} } effectivePermissions { ${grantFields} } role { code name } } }`
const usersPageOfBench = `query Users($first: Int) { users(first: $first) { nodes { accessKey email name createdAt role { code name }
  permissions { ${grantFields} } effectivePermissions { ${grantFields} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
const attach = `mutation Attach($command: AttachUserPermissions!) { attachUserPermissions(command: $command) { status message } }`

/** `count` users read one root field each: the shape an unbatched nested field would have. */
const oneByOne = (count: number) =>
  `query OneByOne(${Array.from({ length: count }, (_, index) => `$k${index}: String!`).join(", ")}) {
    ${Array.from({ length: count }, (_, index) => `u${index}: user(accessKey: $k${index}) { accessKey }`).join("\n")}
  }`

interface Counted {
  readonly result: ExecutionResult
  /** The SQL of every statement the request sent, in order. */
  readonly statements: ReadonlyArray<string>
  /** What PGlite itself was sent (the check on the counter); none on PostgreSQL. */
  readonly received: Option.Option<number>
}

/**
 * Runs one request as the HTTP route does (a fresh context: its own principal cache and loaders) and
 * counts its statements, on PGlite also as the database saw them.
 */
const request = (schema: GraphQLSchemaType, source: string, variables: Record<string, unknown>, as: "token" | "attacherToken" = "token") =>
  Effect.gen(function*() {
    const counter = yield* StatementCounter.make
    const runtime = yield* counter.counting(Effect.runtime<AuthApi.AuthServices | Execute.PrincipalServices>())
    const token = (yield* World)[as]
    const db = yield* Effect.serviceOption(PgliteDb)
    const received = yield* Effect.transposeMapOption(db, StatementCounter.receivedBy)
    const contextValue = Execute.makeContext(runtime, { requestId: uuid(), authorization: `Bearer ${token}`, clientAddress: "127.0.0.1" })
    const result = yield* Effect.promise(async () =>
      await execute({ schema, document: parse(source), variableValues: variables, contextValue }))
    return {
      result,
      statements: yield* counter.take,
      received: yield* Effect.transposeOption(received)
    } satisfies Counted
  }).pipe(Effect.scoped)

/**
 * The schema with `User.role` and `User.effectivePermissions` read one role per user, as they were
 * before batching: the regression the main test guards against, to show the count would reveal it.
 */
const unbatched = Effect.map(GraphQLSchema.make([AuthApi.api]), (schema) => {
  const fields = (schema.getType("User") as GraphQLObjectType).getFields()
  const roleOf = (user: Views.UserNode) =>
    user.roleId === null ? Effect.succeedNone : Effect.flatMap(RoleRepository, (roles) => roles.byId(user.roleId!))
  fields["role"]!.resolve = (user: Views.UserNode, _args, context: GraphQLContext<RoleRepository>) =>
    context.run(Effect.map(roleOf(user), Option.match({ onNone: () => null, onSome: Views.userRole })))
  fields["effectivePermissions"]!.resolve = (user: Views.UserNode, _args, context: GraphQLContext<RoleRepository>) =>
    context.run(Effect.map(roleOf(user), (role) => Queries.effectiveGrants({ permissions: user.grants }, role).map(Views.grant)))
  return schema
})

// any: the tests read the shapes schema.graphql defines and check them with expect().
const usersOf = (result: ExecutionResult) => (result.data as any).users

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(suiteName(`statements per request on ${backend.name}`, backend.skip), () => {
    layer(world.pipe(Layer.provideMerge(services), Layer.provideMerge(backend.layer())), { excludeTestServices: true, timeout: "60 seconds" })(
      (it) => {
        it.effect("counts every statement: plain, in a transaction, streamed, and from a DataLoader batch", () =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const counter = yield* StatementCounter.make
            const runtime = yield* counter.counting(Effect.runtime<never>())
            const numbers = Loaders.lookup("test/numbers", (keys: ReadonlyArray<number>) =>
              Effect.map(
                Effect.orDie(sql<{ n: number }>`SELECT n FROM unnest(${`{${keys.join(",")}}`}::int[]) AS n`),
                (rows) => new Map(rows.map((row) => [row.n, row.n]))
              ))
            const db = yield* Effect.serviceOption(PgliteDb)
            const received = yield* Effect.transposeMapOption(db, StatementCounter.receivedBy)
            yield* Effect.promise(() =>
              Runtime.runPromise(runtime)(Effect.gen(function*() {
                yield* sql`SELECT 1`
                yield* sql.withTransaction(Effect.zipRight(sql`SELECT 2`, sql`SELECT 3`))
                yield* Stream.runCollect(sql`SELECT 4`.stream).pipe(Effect.map(Chunk.toReadonlyArray))
                // Three loads in one tick: one batch, one program run on the request's runtime.
                const loaders = Loaders.make<never>((effect) => Runtime.runPromise(runtime)(effect))
                const found = yield* Effect.promise(() => Promise.all([1, 2, 3].map((n) => loaders.load(numbers, n))))
                expect(found).toEqual([1, 2, 3].map(Option.some))
              }).pipe(Effect.orDie))
            )
            // Outside the counting runtime: not recorded.
            yield* sql`SELECT 5`
            const statements = yield* counter.take
            expect(statements.map((statement) => statement.replace(/\s+/g, " ").slice(0, 13))).toEqual([
              "SELECT 1",
              "SELECT 2",
              "SELECT 3",
              "SELECT 4",
              "SELECT n FROM"
            ])
            // PGlite saw those five, BEGIN and COMMIT, and the uncounted SELECT 5.
            expect(yield* Effect.transposeOption(received)).toEqual(Option.map(db, () => statements.length + 3))
          }).pipe(Effect.scoped))

        it.effect("me costs one statement: the session, the caller, their role and grants, read together", () =>
          Effect.gen(function*() {
            const schema = yield* GraphQLSchema.make([AuthApi.api])
            const me = yield* request(schema, meQuery, {})
            expect(me.result.errors).toBeUndefined()
            const found = (me.result.data as any).me
            expect(found.role.code).toMatch(/-lister$/)
            expect(found.effectivePermissions.map((grant: any) => `${grant.resource}:${grant.action}`)).toEqual(["user:GET", "user:LIST"])
            expect(me.statements).toHaveLength(1)
            expect(me.received).toEqual(Option.map(me.received, () => 1))
          }))

        it.effect("a users page of 50 with roles and permissions costs 3 statements: the caller, the page, its roles", () =>
          Effect.gen(function*() {
            const schema = yield* GraphQLSchema.make([AuthApi.api])
            const page = yield* request(schema, usersPageOfBench, { first: 50 })
            expect(page.result.errors).toBeUndefined()
            expect(usersOf(page.result).nodes).toHaveLength(50)
            expect(page.statements).toHaveLength(3)
            expect(new Set(page.statements).size).toBe(page.statements.length)
          }))

        it.effect("attachUserPermissions costs at most 8 statements, BEGIN and COMMIT included", () =>
          Effect.gen(function*() {
            const { attachTarget } = yield* World
            const schema = yield* GraphQLSchema.make([AuthApi.api])
            const variables = { command: { accessKey: attachTarget, permissions: [{ resource: "role", action: "LIST", isConditional: false }] } }
            // The first grant of the process also reads the catalogue, which is then kept.
            yield* request(schema, attach, variables, "attacherToken")
            const attached = yield* request(schema, attach, variables, "attacherToken")
            expect(attached.result.errors).toBeUndefined()
            // The caller; then, in one transaction: the user, its new version, its grants (replaced in two
            // statements) and the event in the outbox. The counter sees no BEGIN or COMMIT: +2.
            expect(attached.statements.length + 2).toBeLessThanOrEqual(8)
            expect(attached.received).toEqual(Option.map(attached.received, () => attached.statements.length + 2))
          }))

        it.effect("a page of 100 users with their grants and roles costs what a page of 10 does: 4 statements", () =>
          Effect.gen(function*() {
            const { accessKeys, roleCodes } = yield* World
            const schema = yield* GraphQLSchema.make([AuthApi.api])
            const ten = yield* request(schema, usersPage, { first: 10 })
            const hundred = yield* request(schema, usersPage, { first: 100 })
            for (const { result } of [ten, hundred]) expect(result.errors).toBeUndefined()

            const page = usersOf(hundred.result)
            expect(page.totalCount).toBe(userCount)
            expect(page.pageInfo.hasNextPage).toBe(false)
            expect(page.edges.map((edge: any) => edge.node.accessKey)).toEqual(accessKeys)
            expect(page.edges.map((edge: any) => edge.node.role?.code)).toEqual(roleCodes)
            // Own grants (same statement as the row) and the role's (from the batch) both arrive.
            const first = page.edges[0].node
            expect(first.permissions).toHaveLength(2)
            expect(first.effectivePermissions.map((grant: any) => `${grant.resource}:${grant.action}`)).toEqual(
              expect.arrayContaining(["permission:LIST", "user:UPDATE", "role:GET", "user:GET"])
            )
            expect(usersOf(ten.result).edges).toHaveLength(10)

            // 1. the caller: its session (still live?), user row, role and grants in one statement, read once
            // per request however many fields need it; 2. the page of users (their own grants in the same
            // statement; no cursor, so no "anything before" probe); 3. totalCount; 4. the roles of every
            // user on the page, one DataLoader batch shared by `role` and `effectivePermissions`.
            expect(ten.statements).toHaveLength(4)
            expect(hundred.statements).toHaveLength(ten.statements.length)
            // On PGlite: the database received exactly what was counted (DataLoader batches included).
            for (const counted of [ten, hundred]) {
              expect(counted.received).toEqual(Option.map(counted.received, () => counted.statements.length))
            }
          }))

        it.effect("control: per-user reads show in the count, so an N+1 would", () =>
          Effect.gen(function*() {
            const { accessKeys, roleCodes } = yield* World
            const schema = yield* GraphQLSchema.make([AuthApi.api])
            const variables = (count: number) => Object.fromEntries(accessKeys.slice(0, count).map((key, index) => [`k${index}`, key]))
            const one = yield* request(schema, oneByOne(1), variables(1))
            const three = yield* request(schema, oneByOne(3), variables(3))
            for (const { result } of [one, three]) expect(result.errors).toBeUndefined()
            expect(Object.keys(three.result.data ?? {})).toHaveLength(3)
            // The principal (1) plus one statement per user read.
            expect(one.statements).toHaveLength(2)
            expect(three.statements).toHaveLength(4)

            // The same page of 10 with roles read per user: principal, page, count, then a role read for
            // `role` and another for `effectivePermissions` on every user.
            const perUser = yield* request(yield* unbatched, usersPage, { first: 10 })
            expect(perUser.result.errors).toBeUndefined()
            expect(usersOf(perUser.result).edges.map((edge: any) => edge.node.role?.code)).toEqual(roleCodes.slice(0, 10))
            expect(perUser.statements).toHaveLength(3 + 2 * 10)
            expect(perUser.received).toEqual(Option.map(perUser.received, () => perUser.statements.length))
          }))
      }
    )
  })
}
