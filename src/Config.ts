/**
 * Every environment variable the server reads, with its default. Nothing else reads process.env:
 * main.ts loads these once and hands plain values to the layers. The README table mirrors this file.
 */
import { Config, ConfigError, Duration, Either, LogLevel, Option, type Redacted } from "effect"
import * as Os from "node:os"
import type { ConflictRetryPolicy } from "./kernel/ConflictRetry.js"
import type { DispatchOptions } from "./kernel/Dispatcher.js"
import type { QueryLimits } from "./graphql/Limits.js"
import type { PageSizes } from "./kernel/Paging.js"
import * as ProxyTrust from "./kernel/ProxyTrust.js"
import * as GraphQLMetrics from "./observability/GraphQLMetrics.js"
import * as User from "./auth/domain/User.js"
import type { ThrottleSettings } from "./auth/Throttle.js"

export type Environment = "development" | "production" | "test"

export const environment: Config.Config<Environment> = Config.literal("development", "production", "test")("NODE_ENV")
  .pipe(Config.withDefault("development" as const))

/**
 * A switch that defaults to on, except in production: for development aids that show the schema to
 * anyone (introspection, suggestions, GraphiQL).
 */
const outsideProduction = (name: string) =>
  Config.all({ environment, flag: Config.option(Config.boolean(name)) }).pipe(
    Config.map(({ environment, flag }) => Option.getOrElse(flag, () => environment !== "production"))
  )

export interface ServerConfig {
  readonly host: string
  readonly port: number
  /** On SIGTERM/SIGINT: how long requests in flight may take to finish before their connections are closed. */
  readonly drainTimeout: Duration.Duration
  /** Browser origins allowed to call the API (CORS); none: browsers on other origins are refused. */
  readonly corsOrigins: ReadonlyArray<string>
  /** Whose X-Forwarded-For names the client (rate limits count by client); none: the socket's peer is. */
  readonly trustProxy: ProxyTrust.ProxyTrust
  /** GraphiQL at GET /graphql for browsers. */
  readonly graphiql: boolean
  /**
   * Slow clients (slowloris): how long one may take to send a request's headers, and the whole request
   * with its body (Node's headersTimeout and requestTimeout); then it is answered 408 and disconnected.
   */
  readonly headersTimeout: Duration.Duration
  readonly receiveTimeout: Duration.Duration
}

export const server: Config.Config<ServerConfig> = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.port("PORT").pipe(Config.withDefault(4000)),
  drainTimeout: Config.duration("DRAIN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  corsOrigins: Config.array(Config.url(), "CORS_ORIGINS").pipe(
    Config.map((urls) => urls.map((url) => url.origin)),
    Config.withDefault([])
  ),
  trustProxy: Config.string("TRUST_PROXY").pipe(
    Config.mapOrFail((text) => Either.mapLeft(ProxyTrust.parse(text), (reason) => ConfigError.InvalidData([], reason))),
    Config.withDefault(ProxyTrust.none)
  ),
  graphiql: outsideProduction("GRAPHIQL"),
  headersTimeout: Config.duration("HEADERS_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  receiveTimeout: Config.duration("RECEIVE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30)))
}).pipe(Config.validate({
  // Node refuses a server whose headers may take longer than the whole request.
  message: "HEADERS_TIMEOUT must be positive and not exceed RECEIVE_TIMEOUT",
  validation: (config) => Duration.toMillis(config.headersTimeout) > 0 && Duration.lessThanOrEqualTo(config.headersTimeout, config.receiveTimeout)
}))

export interface DatabaseConfig {
  /** PostgreSQL when set; the embedded PGlite under dataDir otherwise. */
  readonly url: Option.Option<Redacted.Redacted>
  readonly dataDir: string
  /** PostgreSQL only: the embedded database is always migrated at start. */
  readonly migrateOnStart: boolean
  readonly poolMax: number
}

export const database: Config.Config<DatabaseConfig> = Config.all({
  url: Config.option(Config.redacted("DATABASE_URL")),
  dataDir: Config.string("DATA_DIR").pipe(Config.withDefault("./.data")),
  migrateOnStart: Config.boolean("MIGRATE_ON_START").pipe(Config.withDefault(false)),
  poolMax: Config.integer("DATABASE_POOL_MAX").pipe(
    Config.validate({ message: "must be between 1 and 1000", validation: (n) => n >= 1 && n <= 1000 }),
    Config.withDefault(10)
  )
})

/** Key material given inline (`NAME`) or as a file path (`NAME_FILE`); `variable` names it in errors. */
export type KeySource =
  | { readonly _tag: "Inline"; readonly variable: string; readonly value: Redacted.Redacted }
  | { readonly _tag: "File"; readonly variable: string; readonly path: string }

/** `NAME` or `NAME_FILE`, not both: two sources of one key would leave doubt about which one signs. */
const keySource = (name: string): Config.Config<Option.Option<KeySource>> =>
  Config.all({ inline: Config.option(Config.redacted(name)), file: Config.option(Config.nonEmptyString(`${name}_FILE`)) }).pipe(
    Config.mapOrFail(({ file, inline }) =>
      Option.isSome(inline) && Option.isSome(file)
        ? Either.left(ConfigError.InvalidData([name], `set ${name} or ${name}_FILE, not both`))
        : Either.right(Option.orElse(
          Option.map(inline, (value): KeySource => ({ _tag: "Inline", variable: name, value })),
          () => Option.map(file, (path): KeySource => ({ _tag: "File", variable: `${name}_FILE`, path }))
        )))
  )

export interface TokenConfig {
  /** HS256 signing secret. */
  readonly secret: Option.Option<Redacted.Redacted>
  /** EdDSA or RS256 signing key (PEM or JWK); exclusive with `secret`. */
  readonly privateKey: Option.Option<KeySource>
  /** A JWKS of keys that only verify: the previous or the next key of a rotation. */
  readonly verifyKeys: Option.Option<KeySource>
  readonly issuer: string
  readonly audience: string
  /** Access token lifetime: short, since only the refresh token's session can be revoked early. */
  readonly ttl: Duration.Duration
  /** How long an unused refresh token stays valid; each refresh starts the period again. */
  readonly refreshTtl: Duration.Duration
  /** Cache-Control max-age of /.well-known/jwks.json. */
  readonly jwksMaxAge: Duration.Duration
}

export const token: Config.Config<TokenConfig> = Config.all({
  secret: Config.option(Config.redacted("JWT_SECRET")),
  privateKey: keySource("JWT_PRIVATE_KEY"),
  verifyKeys: keySource("JWT_VERIFY_KEYS"),
  issuer: Config.string("JWT_ISSUER").pipe(Config.withDefault("kingdom-server")),
  audience: Config.string("JWT_AUDIENCE").pipe(Config.withDefault("kingdom")),
  ttl: Config.duration("JWT_TTL").pipe(Config.withDefault(Duration.minutes(15))),
  refreshTtl: Config.duration("REFRESH_TOKEN_TTL").pipe(Config.withDefault(Duration.days(30))),
  jwksMaxAge: Config.duration("JWKS_MAX_AGE").pipe(Config.withDefault(Duration.minutes(5)))
}).pipe(Config.validate({
  // A session ends with its refresh token; a longer access token would outlive what it stands for.
  message: "JWT_TTL must be positive and shorter than REFRESH_TOKEN_TTL",
  validation: ({ refreshTtl, ttl }) => Duration.greaterThan(ttl, Duration.zero) && Duration.lessThan(ttl, refreshTtl)
}))

export interface AdminConfig {
  readonly accessKey: string
  readonly email: string
  readonly password: Option.Option<Redacted.Redacted>
}

export const admin: Config.Config<AdminConfig> = Config.all({
  // The first start creates this account through createUser: a key it would refuse is reported here, with the rest.
  accessKey: Config.nonEmptyString("ADMIN_ACCESS_KEY").pipe(
    Config.mapOrFail((key) => Either.mapLeft(User.checkAccessKey(key), (invalid) => ConfigError.InvalidData([], invalid.reason))),
    Config.withDefault("admin")
  ),
  email: Config.nonEmptyString("ADMIN_EMAIL").pipe(Config.withDefault("admin@kingdom.localhost")),
  password: Config.option(Config.redacted("ADMIN_PASSWORD"))
})

export interface PasswordResetConfig {
  readonly tokenTtl: Duration.Duration
  readonly publicAppUrl: URL
}

export const passwordReset: Config.Config<PasswordResetConfig> = Config.all({
  tokenTtl: Config.duration("RESET_TOKEN_TTL").pipe(Config.withDefault(Duration.minutes(15))),
  publicAppUrl: Config.url("PUBLIC_APP_URL").pipe(Config.withDefault(new URL("http://localhost:4000")))
})

export const logLevel = Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))

const pageSize = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be between 1 and 10000", validation: (n) => n >= 1 && n <= 10_000 }),
    Config.withDefault(fallback)
  )

/**
 * Page sizes for every list: the largest `first`/`last` a client may ask for (larger is refused, not
 * clamped) and the size when it asks for neither.
 */
export const pageSizes: Config.Config<PageSizes> = Config.all({
  max: pageSize("MAX_PAGE_SIZE", 100),
  defaultSize: pageSize("DEFAULT_PAGE_SIZE", 20)
}).pipe(Config.validate({ message: "DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE", validation: (sizes) => sizes.defaultSize <= sizes.max }))

const positive = (name: string, fallback: number, max: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be between 1 and ${max}`, validation: (n) => n >= 1 && n <= max }),
    Config.withDefault(fallback)
  )

/**
 * Subscribers (event handlers after commit), wherever they run: retries with exponential backoff,
 * then parking for an operator; how many deliveries a round claims, how long a claim is reserved,
 * and how often to look for retries that came due.
 */
export const events: Config.Config<DispatchOptions> = Config.all({
  retry: Config.all({
    maxAttempts: positive("EVENT_MAX_ATTEMPTS", 8, 1000),
    baseDelay: Config.duration("EVENT_RETRY_BASE").pipe(Config.withDefault(Duration.seconds(1))),
    maxDelay: Config.duration("EVENT_RETRY_MAX").pipe(Config.withDefault(Duration.minutes(5)))
  }),
  batchSize: positive("EVENT_BATCH_SIZE", 50, 10_000),
  concurrency: positive("EVENT_CONCURRENCY", 4, 256),
  lease: Config.duration("EVENT_LEASE").pipe(Config.withDefault(Duration.minutes(2))),
  pollInterval: Config.duration("EVENT_POLL_INTERVAL").pipe(Config.withDefault(Duration.seconds(1)))
})

export interface NatsConfig {
  /** JetStream when set; without it events stay in PostgreSQL and the server runs every subscriber itself. */
  readonly url: Option.Option<Redacted.Redacted>
  readonly stream: string
  readonly subjectPrefix: string
  readonly duplicateWindow: Duration.Duration
  readonly ackWait: Duration.Duration
  readonly publishTimeout: Duration.Duration
  readonly relayBatchSize: number
}

export const nats: Config.Config<NatsConfig> = Config.all({
  url: Config.option(Config.redacted("NATS_URL")),
  stream: Config.nonEmptyString("NATS_STREAM").pipe(Config.withDefault("KINGDOM_EVENTS")),
  subjectPrefix: Config.nonEmptyString("NATS_SUBJECT_PREFIX").pipe(Config.withDefault("kingdom.events")),
  duplicateWindow: Config.duration("NATS_DUPLICATE_WINDOW").pipe(Config.withDefault(Duration.minutes(2))),
  ackWait: Config.duration("NATS_ACK_WAIT").pipe(Config.withDefault(Duration.seconds(30))),
  publishTimeout: Config.duration("NATS_PUBLISH_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
  relayBatchSize: positive("RELAY_BATCH_SIZE", 100, 10_000)
})

export interface MailConfig {
  /** `smtp://user:pass@host:587` or `smtps://…:465`; unset: mail goes to the log (refused in production). */
  readonly smtpUrl: Option.Option<Redacted.Redacted>
  readonly from: string
  readonly timeout: Duration.Duration
}

export const mail: Config.Config<MailConfig> = Config.all({
  smtpUrl: Config.option(Config.redacted("SMTP_URL")),
  from: Config.nonEmptyString("MAIL_FROM").pipe(Config.withDefault("kingdom-server <no-reply@kingdom.localhost>")),
  timeout: Config.duration("SMTP_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30)))
})

/**
 * Password hashes computed at once (argon2 on libuv's thread pool); sign-ins beyond it wait their turn.
 * The default leaves a core to the event loop and a pool thread (UV_THREADPOOL_SIZE, Node's default 4)
 * to file, DNS and crypto work. On 2 cores (compare bench, 20 sign-ins beside query (1)): 1 kept
 * query (1)'s p99 within 1.2-1.6x of its p99 alone, 2 let it reach 2-2.9x (for ~20% more sign-ins/s).
 */
export const passwordHashConcurrency: Config.Config<number> = Config.all({
  threadPool: Config.integer("UV_THREADPOOL_SIZE").pipe(Config.withDefault(4)),
  concurrency: Config.option(Config.integer("PASSWORD_HASH_CONCURRENCY").pipe(
    Config.validate({ message: "must be between 1 and 1024", validation: (n) => n >= 1 && n <= 1024 })
  ))
}).pipe(Config.map(({ concurrency, threadPool }) =>
  Option.getOrElse(concurrency, () => Math.max(1, Math.min(Os.availableParallelism() - 1, threadPool - 1)))))

/** A command that lost a race on an aggregate runs again on the fresh state, this many times at most. */
export const conflictRetry: Config.Config<ConflictRetryPolicy> = Config.all({
  retries: Config.integer("COMMAND_CONFLICT_RETRIES").pipe(
    Config.validate({ message: "must be between 0 and 100", validation: (n) => n >= 0 && n <= 100 }),
    Config.withDefault(10)
  ),
  baseDelay: Config.duration("COMMAND_RETRY_BASE").pipe(Config.withDefault(Duration.millis(5))),
  maxDelay: Config.duration("COMMAND_RETRY_MAX").pipe(Config.withDefault(Duration.millis(500)))
})

const budget = (name: string, limit: number, window: Duration.Duration) =>
  Config.all({
    limit: positive(name, limit, 1_000_000),
    window: Config.duration(`${name}_WINDOW`).pipe(Config.withDefault(window))
  })

/**
 * Sign-in, reset mail and password change (src/auth/Throttle.ts): budgets per client address and per
 * account, and the backoff on failed sign-ins. The reset budget's window should not exceed
 * RESET_TOKEN_TTL: then while an account's budget is spent, the mails that spent it still hold live links.
 */
export const rateLimits: Config.Config<ThrottleSettings> = Config.all({
  perAddress: budget("RATE_LIMIT_ADDRESS", 20, Duration.minutes(1)),
  signIn: budget("RATE_LIMIT_SIGN_IN", 10, Duration.minutes(1)),
  resetPassword: budget("RATE_LIMIT_RESET_PASSWORD", 3, Duration.minutes(15)),
  changePassword: budget("RATE_LIMIT_CHANGE_PASSWORD", 5, Duration.minutes(15)),
  backoff: Config.all({
    freeFailures: Config.integer("LOGIN_BACKOFF_AFTER").pipe(
      Config.validate({ message: "must be between 0 and 1000", validation: (n) => n >= 0 && n <= 1000 }),
      Config.withDefault(5)
    ),
    accountFreeFailures: Config.integer("LOGIN_BACKOFF_ACCOUNT_AFTER").pipe(
      Config.validate({ message: "must be between 0 and 100000", validation: (n) => n >= 0 && n <= 100_000 }),
      Config.withDefault(20)
    ),
    base: Config.duration("LOGIN_BACKOFF_BASE").pipe(Config.withDefault(Duration.seconds(1))),
    max: Config.duration("LOGIN_BACKOFF_MAX").pipe(Config.withDefault(Duration.minutes(15))),
    forgetAfter: Config.duration("LOGIN_BACKOFF_FORGET").pipe(Config.withDefault(Duration.hours(1)))
  }).pipe(Config.validate({
    message: "LOGIN_BACKOFF_BASE must not exceed LOGIN_BACKOFF_MAX, which must be shorter than LOGIN_BACKOFF_FORGET",
    validation: ({ base, forgetAfter, max }) => Duration.lessThanOrEqualTo(base, max) && Duration.lessThan(max, forgetAfter)
  })),
  knownAddressTtl: Config.duration("KNOWN_ADDRESS_TTL").pipe(Config.withDefault(Duration.days(30)))
})

const limit = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n >= 1 }),
    Config.withDefault(fallback)
  )

/**
 * What one GraphQL request may ask for; above any real client's needs, below what hurts the server.
 * The cost is graphql-armor's static estimate (fields weighted by depth, lists by their `first`/`last`):
 * a full page of 100 users with their roles and grants scores about 10,500.
 */
export const queryLimits: Config.Config<QueryLimits> = Config.all({
  introspection: outsideProduction("GRAPHQL_INTROSPECTION"),
  suggestions: outsideProduction("GRAPHQL_SUGGESTIONS"),
  maxBodyBytes: limit("GRAPHQL_MAX_BODY_BYTES", 1024 * 1024),
  maxTokens: limit("GRAPHQL_MAX_TOKENS", 2000),
  maxDepth: limit("GRAPHQL_MAX_DEPTH", 12),
  maxAliases: limit("GRAPHQL_MAX_ALIASES", 15),
  maxDirectives: limit("GRAPHQL_MAX_DIRECTIVES", 20),
  maxCost: limit("GRAPHQL_MAX_COST", 25_000),
  documentCache: Config.all({
    entries: Config.integer("GRAPHQL_DOCUMENT_CACHE").pipe(
      Config.validate({ message: "must be 0 (off) or a positive integer", validation: (n) => n >= 0 }),
      Config.withDefault(1000)
    ),
    maxChars: limit("GRAPHQL_DOCUMENT_CACHE_MAX_CHARS", 16_384)
  }),
  requestTimeout: Config.duration("REQUEST_TIMEOUT").pipe(
    Config.validate({ message: "must be positive", validation: (timeout) => Duration.toMillis(timeout) > 0 }),
    Config.withDefault(Duration.seconds(30))
  )
})

export interface ObservabilityConfig {
  /** Prometheus text at GET /metrics. */
  readonly metrics: boolean
  /** When set, /metrics answers only `Authorization: Bearer <token>` (Prometheus's `authorization` setting). */
  readonly metricsToken: Option.Option<Redacted.Redacted>
  /** Distinct operation names kept as metric labels; later ones count as "other" (clients choose names). */
  readonly metricsMaxOperations: number
  /** OTLP/HTTP traces endpoint (`http://collector:4318`); unset: no spans are made at all. */
  readonly otlpEndpoint: Option.Option<URL>
  readonly serviceName: string
  /** How long each /readyz check (database, migrations, NATS) may take before it counts as failed. */
  readonly readinessTimeout: Duration.Duration
}

export const observability: Config.Config<ObservabilityConfig> = Config.all({
  metrics: Config.boolean("METRICS").pipe(Config.withDefault(true)),
  metricsToken: Config.option(Config.redacted("METRICS_TOKEN")),
  metricsMaxOperations: limit("METRICS_MAX_OPERATIONS", GraphQLMetrics.defaultMaxOperations),
  otlpEndpoint: Config.option(Config.url("OTEL_EXPORTER_OTLP_ENDPOINT")),
  serviceName: Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault("kingdom-server")),
  readinessTimeout: Config.duration("READINESS_TIMEOUT").pipe(
    Config.validate({ message: "must be positive", validation: (timeout) => Duration.toMillis(timeout) > 0 }),
    Config.withDefault(Duration.seconds(2))
  )
})

/** Everything the server process reads, once, at start (src/main.ts; the soak benchmark builds the same server). */
export const serverSettings = Config.all({
  environment,
  server,
  database,
  token,
  admin,
  passwordReset,
  pageSizes,
  events,
  mail,
  nats,
  conflictRetry,
  queryLimits,
  rateLimits,
  passwordHashConcurrency,
  observability
})

export type ServerSettings = Config.Config.Success<typeof serverSettings>
