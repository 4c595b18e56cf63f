/**
 * The real server for end-to-end tests: the production layers (PGlite on a temporary DATA_DIR, SQL
 * repositories, argon2, JWTs, bootstrap) on a free port, with one swap: mail is kept in memory
 * (SentMail) so a test can follow a reset link. Tests talk to it over HTTP only.
 * (Belongs in test/support once that folder's owner takes it.)
 */
import { ConfigProvider, Context, Duration, Effect, Layer, Logger, LogLevel, Option, Redacted, Ref, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Argon2Hasher from "../../src/auth/adapters/Argon2Hasher.js"
import * as JoseTokens from "../../src/auth/adapters/JoseTokens.js"
import * as JwtSecret from "../../src/auth/adapters/JwtSecret.js"
import * as MailerMemory from "../../src/auth/adapters/memory/MailerMemory.js"
import * as Bootstrap from "../../src/auth/Bootstrap.js"
import * as AuthApi from "../../src/auth/graphql/Resolvers.js"
import { AuthSettings } from "../../src/auth/Settings.js"
import * as Composition from "../../src/Composition.js"
import * as AppConfig from "../../src/Config.js"
import * as GraphQLSchema from "../../src/graphql/Schema.js"
import * as Server from "../../src/http/Server.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import { PageSizeLimits } from "../../src/kernel/Paging.js"
import { randomKey } from "./RandomRefs.js"

export const admin = { accessKey: "admin", email: "admin@kingdom.test", password: "admin-password-for-e2e" }

/** The production defaults: the e2e tests send what real clients send, and the limit tests go past them. */
export const queryLimits = Effect.runSync(AppConfig.queryLimits.pipe(Effect.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))))

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

export const layer: Layer.Layer<TestServer | MailerMemory.SentMail, unknown> = Layer.unwrapScoped(Effect.gen(function*() {
  const dataDir = yield* temporaryDataDir
  const secret = yield* JwtSecret.resolve({ secret: Option.none(), environment: "test", dataDir })
  const schema = yield* GraphQLSchema.make([AuthApi.api])
  const services = Layer.mergeAll(
    Composition.database({ url: Option.none(), dataDir, migrateOnStart: false, poolMax: 1 }, Composition.subscribers),
    Argon2Hasher.layer,
    JoseTokens.layer({ secret, issuer: "kingdom-e2e", audience: "kingdom-e2e", ttl: Duration.minutes(5) }),
    MailerMemory.layer,
    Layer.succeed(AuthSettings, { resetTokenTtl: Duration.minutes(15), publicAppUrl: new URL("http://app.test/") }),
    Layer.succeed(PageSizeLimits, { defaultSize: 20, max: 100 })
  )
  const bootstrap = Layer.effectDiscard(
    Bootstrap.ensureAdmin({ accessKey: admin.accessKey, email: admin.email, password: Option.some(Redacted.make(admin.password)) })
  )
  const server = Layer.effect(TestServer, Effect.map(Server.baseUrl, (baseUrl) => ({ baseUrl }))).pipe(
    Layer.provide(Server.layer<AuthApi.AuthServices>(schema, { host: "127.0.0.1", port: 0, drainTimeout: Duration.seconds(5), corsOrigins }, queryLimits))
  )
  // As on the embedded default, the server runs the subscribers; polls and retries are fast for tests.
  const subscribers = Layer.scopedDiscard(Effect.forkScoped(Dispatcher.run(Composition.subscribers, eventOptions)))
  return Layer.mergeAll(server, bootstrap, subscribers).pipe(Layer.provideMerge(services))
})).pipe(
  // Failures the tests provoke are logged at INFO or below; warnings and errors still show.
  Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
)

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
  readonly extensions?: { readonly code?: string }
}

export interface GraphQLResponse {
  readonly status: number
  // any: tests read response shapes the schema defines and assert on them with expect().
  readonly data?: Record<string, any> | null
  readonly errors?: ReadonlyArray<GraphQLError>
}

/** POSTs one operation to /graphql as a client would; `token` becomes `Authorization: Bearer <token>`. */
export const graphql = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  Effect.flatMap(TestServer, ({ baseUrl }) =>
    Effect.promise(async (): Promise<GraphQLResponse> => {
      const response = await fetch(`${baseUrl}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json",
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
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
