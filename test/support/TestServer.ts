/**
 * The real server for end-to-end tests: the production layers (PGlite on a temporary DATA_DIR, SQL
 * repositories, argon2, JWTs, bootstrap) on a free port, with one swap: mail is kept in memory
 * (SentMail) so a test can follow a reset link. Tests talk to it over HTTP only.
 * (Belongs in test/support once that folder's owner takes it.)
 */
import { Context, Duration, Effect, Layer, Logger, LogLevel, Option, Redacted, Ref, Schedule } from "effect"
import type * as SqlClient from "@effect/sql/SqlClient"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import * as MailerMemory from "../../src/auth/adapters/memory/MailerMemory.js"
import * as Authentication from "../../src/auth/Authentication.js"
import * as Bootstrap from "../../src/auth/Bootstrap.js"
import { AuthSettings } from "../../src/auth/Settings.js"
import * as Composition from "../../src/Composition.js"
import * as AppConfig from "../../src/Config.js"
import type { ModuleApi } from "../../src/graphql/Context.js"
import type { QueryLimits } from "../../src/graphql/Limits.js"
import * as GraphQLSchema from "../../src/graphql/Schema.js"
import * as Server from "../../src/http/Server.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import * as FairScheduler from "../../src/kernel/FairScheduler.js"
import { PageSizeLimits } from "../../src/kernel/Paging.js"
import * as ProxyTrust from "../../src/kernel/ProxyTrust.js"
import type { ThrottleSettings } from "../../src/auth/Throttle.js"
import { defaultsOf } from "./ConfigFrom.js"
import { randomKey } from "./RandomRefs.js"

export const admin = { accessKey: "admin", email: "admin@kingdom.test", password: "admin-password-for-e2e" }

/**
 * The configured defaults (as in development: introspection and suggestions on); the limit tests go
 * past them, and the hardening tests switch production's settings on explicitly.
 */
export const queryLimits = defaultsOf(AppConfig.queryLimits)

/** The HTTP settings' defaults (timeouts and all) under the ones each test server sets. */
export const serverDefaults = defaultsOf(AppConfig.server)

/**
 * What a test changes about the GraphQL edge: query limits, and modules served beside auth (a
 * test-only API, never in the production schema).
 */
export interface GraphQLOptions {
  readonly limits?: Partial<QueryLimits>
  readonly modules?: ReadonlyArray<ModuleApi<Composition.ApiServices | SqlClient.SqlClient>>
}

/**
 * Production's rate limits with the budgets widened: every e2e client is 127.0.0.1, so the suites
 * would share them. test/e2e/RateLimits.test.ts runs servers with small ones.
 */
export const rateLimits: ThrottleSettings = ((defaults) => {
  const wide = { limit: 1_000_000, window: Duration.minutes(1) }
  return { ...defaults, perAddress: wide, signIn: wide, resetPassword: wide, changePassword: wide }
})(defaultsOf(AppConfig.rateLimits))

/** The one origin the e2e server lets browsers call it from. */
export const corsOrigins = ["https://app.example.test"]

export const eventOptions: Dispatcher.DispatchOptions = {
  retry: { maxAttempts: 3, baseDelay: Duration.millis(20), maxDelay: Duration.millis(100) },
  batchSize: 50,
  concurrency: 1,
  lease: Duration.seconds(30),
  pollInterval: Duration.millis(50)
}

export class TestServer extends Context.Tag("test/TestServer")<TestServer, {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string
}>() {}

const temporaryDataDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-e2e-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

export const tokenSettings = { issuer: "kingdom-e2e", audience: "kingdom-e2e", ttl: Duration.minutes(5), refreshTtl: Duration.days(1), jwksMaxAge: Duration.minutes(5) }

/** Keys as JWT_SECRET, JWT_PRIVATE_KEY and JWT_VERIFY_KEYS give them (none: the development key), and a DATA_DIR to keep across restarts. */
export interface TokenOptions {
  readonly keys?: Partial<Pick<AppConfig.TokenConfig, "secret" | "privateKey" | "verifyKeys">>
  readonly dataDir?: string
}

/**
 * The e2e server, with `overrides` on its HTTP settings (GraphiQL off, say); `layer` is the usual one.
 * It logs from `logLevel` up: by default warnings and errors, as the failures tests provoke are logged
 * at INFO or below; a test about the log lines themselves passes LogLevel.All.
 */
export const make = (
  overrides: Partial<AppConfig.ServerConfig> = {},
  tokens: TokenOptions = {},
  throttle: ThrottleSettings = rateLimits,
  graphql: GraphQLOptions = {},
  logLevel: LogLevel.LogLevel = LogLevel.Warning
): Layer.Layer<TestServer | MailerMemory.SentMail, unknown> => Layer.unwrapScoped(Effect.gen(function*() {
  const dataDir = tokens.dataDir ?? (yield* temporaryDataDir)
  const keys = yield* SigningKeys.resolve({ secret: Option.none(), privateKey: Option.none(), verifyKeys: Option.none(), ...tokens.keys, environment: "test", dataDir })
  const schema = yield* GraphQLSchema.make<Composition.ApiServices | SqlClient.SqlClient>([...Composition.apis, ...graphql.modules ?? []])
  const services = Authentication.layer.pipe(Layer.provideMerge(Layer.mergeAll(
    Composition.database({ url: Option.none(), dataDir, migrateOnStart: false, poolMax: 1 }, Composition.subscribers),
    Argon2Hasher.layer(2),
    Composition.tokens(keys, tokenSettings),
    MailerMemory.layer,
    Layer.succeed(AuthSettings, { resetTokenTtl: Duration.minutes(15), publicAppUrl: new URL("http://app.test/") }),
    Layer.succeed(PageSizeLimits, { defaultSize: 20, max: 100 }),
    Composition.throttle(throttle)
  )))
  const bootstrap = Layer.effectDiscard(
    Bootstrap.ensureAdmin({ accessKey: admin.accessKey, email: admin.email, password: Option.some(Redacted.make(admin.password)) })
  )
  const server = Layer.effect(TestServer, Effect.map(Server.baseUrl, (baseUrl) => ({ baseUrl }))).pipe(
    Layer.provide(Server.layer<Composition.ApiServices | SqlClient.SqlClient>(schema, { ...serverDefaults, host: "127.0.0.1", port: 0, drainTimeout: Duration.seconds(5), corsOrigins, graphiql: true, trustProxy: ProxyTrust.none, ...overrides }, { ...queryLimits, ...graphql.limits }, Composition.authRoutes(keys, tokenSettings)))
  )
  // As on the embedded default, the server runs the subscribers; polls and retries are fast for tests.
  const subscribers = Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(Composition.subscribers, eventOptions)))
  return Layer.mergeAll(server, bootstrap, subscribers).pipe(Layer.provideMerge(services))
})).pipe(
  // The scheduler is main.ts's.
  Layer.provide(Layer.merge(Logger.minimumLogLevel(logLevel), FairScheduler.layer))
)

export const layer = make()

/** The mail sent to `to` so far, once there are at least `count` (subscribers send it just after commit). */
export const mailTo = (to: string, count = 1) =>
  Effect.flatMap(MailerMemory.SentMail, (sent) =>
    Ref.get(sent).pipe(
      Effect.map((all) => all.filter((mail) => mail.to === to)),
      Effect.filterOrFail((mails) => mails.length >= count, () => new Error(`fewer than ${count} mails to ${to}`)),
      Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
      Effect.orDie
    ))

export interface GraphQLError {
  readonly message: string
  readonly extensions?: { readonly code?: string; readonly retryAfter?: number }
}

export interface GraphQLResponse {
  readonly status: number
  // any: tests read response shapes the schema defines and assert on them with expect().
  readonly data?: Record<string, any> | null
  readonly errors?: ReadonlyArray<GraphQLError>
}

/** POSTs one operation to /graphql as a client would; `token` becomes `Authorization: Bearer <token>`. */
export const graphql = (query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(TestServer, ({ baseUrl }) =>
    Effect.promise(async (): Promise<GraphQLResponse> => {
      const response = await fetch(`${baseUrl}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json",
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...headers
        },
        body: JSON.stringify({ query, variables })
      })
      const text = await response.text()
      if (text === "") throw new Error(`empty body, status ${response.status} ${JSON.stringify([...response.headers])}`)
      const body = JSON.parse(text) as Omit<GraphQLResponse, "status">
      return { status: response.status, ...body }
    }))

/** The `extensions.code` of each error, in order: the contract clients branch on. */
export const codes = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.code)

/** The code and message of each error, in order: for asserting a refusal exactly. */
export const failures = (response: GraphQLResponse) => ({ codes: codes(response), messages: (response.errors ?? []).map((error) => error.message) })

// Steps most e2e scenarios share.

/** A user nobody else has; the password is long enough for the rules. */
export const newUser = (prefix = "user") => {
  const accessKey = randomKey(prefix)
  return { accessKey, email: `${accessKey}@kingdom.test`, name: `Test ${accessKey}`, password: `pw-${randomUUID()}` }
}

/** The bearer token for these credentials; dies (failing the test) when sign-in is refused. */
export const signIn = (accessKey: string, password: string) =>
  Effect.flatMap(
    graphql(`mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }`, { command: { accessKey, password } }),
    (response) =>
      response.errors === undefined
        ? Effect.succeed(response.data!["authenticate"].token.value as string)
        : Effect.dieMessage(`sign-in of ${accessKey} refused: ${JSON.stringify(response.errors)}`)
  )

export const adminToken = signIn(admin.accessKey, admin.password)

/**
 * Calls a mutation that takes `command: <input>!` and answers a CommandResponse, for example
 * `command("deleteRole", "DeleteRole", { code }, token)`.
 */
export const command = (field: string, input: string, value: Record<string, unknown>, token?: string) =>
  graphql(`mutation ($command: ${input}!) { ${field}(command: $command) { status message } }`, { command: value }, token)

/** Calls a command that must succeed; dies (failing the test) otherwise, so setup mistakes show where they happen. */
export const commandOk = (field: string, input: string, value: Record<string, unknown>, token: string) =>
  Effect.flatMap(command(field, input, value, token), (response) =>
    response.errors === undefined
      ? Effect.succeed(response.data![field].status as string)
      : Effect.dieMessage(`${field} ${JSON.stringify(value)} refused: ${JSON.stringify(response.errors)}`))
