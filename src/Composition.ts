/**
 * The adapters every process of the service shares (the server, `npm run worker`, the Lambda): one
 * place that picks them from configuration. Entry points add what is theirs (HTTP, consumers).
 */
import { RateLimiter } from "@effect/experimental"
import { Data, type Effect, Layer, Option, Redacted } from "effect"
import * as Permission from "./access/Permission.js"
import * as Argon2Hasher from "./auth/adapters/Argon2Hasher.js"
import * as KnownAddressesMemory from "./auth/adapters/memory/KnownAddressesMemory.js"
import * as LoginFailuresMemory from "./auth/adapters/memory/LoginFailuresMemory.js"
import * as LogMailer from "./auth/adapters/LogMailer.js"
import * as AdministratorsPg from "./auth/adapters/postgres/AdministratorsPg.js"
import * as CallersPg from "./auth/adapters/postgres/CallersPg.js"
import * as PermissionCataloguePg from "./auth/adapters/postgres/PermissionCataloguePg.js"
import * as ResetTokenRepositoryPg from "./auth/adapters/postgres/ResetTokenRepositoryPg.js"
import * as SessionRepositoryPg from "./auth/adapters/postgres/SessionRepositoryPg.js"
import * as RoleRepositoryPg from "./auth/adapters/postgres/RoleRepositoryPg.js"
import * as UserRepositoryPg from "./auth/adapters/postgres/UserRepositoryPg.js"
import * as JoseTokens from "./auth/adapters/JoseTokens.js"
import * as JwtKeys from "./auth/adapters/JwtKeys.js"
import type { KeySet } from "./auth/adapters/SigningKeys.js"
import * as SmtpMailer from "./auth/adapters/SmtpMailer.js"
import type { Mailer } from "./auth/ports/Mailer.js"
import { AuthSettings, SessionSettings } from "./auth/Settings.js"
import * as Authentication from "./auth/Authentication.js"
import * as AuthApi from "./auth/graphql/Resolvers.js"
import * as AuthSubscribers from "./auth/subscribers/Mail.js"
import * as AuthCatalogue from "./auth/domain/Catalogue.js"
import * as Throttle from "./auth/Throttle.js"
import type * as AppConfig from "./Config.js"
import * as Database from "./database/Database.js"
import * as DeliveriesPg from "./database/DeliveriesPg.js"
import * as JwksRoute from "./http/JwksRoute.js"
import * as InboxPg from "./database/InboxPg.js"
import * as OutboxPg from "./database/OutboxPg.js"
import * as SqlUnitOfWork from "./database/SqlUnitOfWork.js"
import * as CommitSignal from "./kernel/CommitSignal.js"
import { ConflictRetry } from "./kernel/ConflictRetry.js"
import * as RateLimiterStoreMemory from "./kernel/memory/RateLimiterStoreMemory.js"
import { LocalSubscriptions } from "./kernel/Outbox.js"
import { PageSizeLimits } from "./kernel/Paging.js"
import type { Subscriber } from "./kernel/Subscriber.js"
import * as JetStream from "./worker/JetStream.js"
import * as MembershipRepositoryPg from "./organisations/adapters/postgres/MembershipRepositoryPg.js"
import * as OrganisationRepositoryPg from "./organisations/adapters/postgres/OrganisationRepositoryPg.js"
import * as OrganisationPermissions from "./organisations/domain/Permissions.js"
import * as OrganisationsApi from "./organisations/graphql/Resolvers.js"
import * as OrganisationSubscribers from "./organisations/subscribers/UserDeletion.js"

/** Every module's GraphQL API: the server's schema is made of these (graphql/Schema.ts). */
export const apis = [AuthApi.api, OrganisationsApi.api] as const

/** What the resolvers of every module need. */
export type ApiServices = AuthApi.AuthServices | OrganisationsApi.OrganisationServices

/** Every subscriber of every module: run by the server on the embedded default, by workers with NATS. */
const everySubscriber = [AuthSubscribers.mail, OrganisationSubscribers.userDeletion] as const

/** What running them needs: each module's subscribers' services together. */
type SubscriberServices = Effect.Effect.Context<ReturnType<(typeof everySubscriber)[number]["handle"]>>

// Typed as one list, so the runners (Dispatcher, Worker, Lambda) take subscribers of different modules together.
export const subscribers: readonly [Subscriber<SubscriberServices>, ...ReadonlyArray<Subscriber<SubscriberServices>>] = everySubscriber

/** Every module's permission catalogue entries, as the migrations seed them (the in-memory catalogue serves this). */
export const catalogue = Permission.normalize([...AuthCatalogue.seeded, ...OrganisationPermissions.catalogue])

export class ConfigurationError extends Data.TaggedError("ConfigurationError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** SMTP when configured; the log in development; production without SMTP_URL refuses to start. */
export const mailer = (
  mail: AppConfig.MailConfig,
  environment: AppConfig.Environment
): Layer.Layer<Mailer, SmtpMailer.SmtpMailerError | ConfigurationError> =>
  Option.match(mail.smtpUrl, {
    onSome: (url) => SmtpMailer.layer({ url, from: mail.from, timeout: mail.timeout }),
    onNone: () =>
      environment === "production"
        ? Layer.fail(new ConfigurationError({ reason: "SMTP_URL is required in production (mail would only be logged)" }))
        : LogMailer.layer
  })

/** The auth module's repositories on SQL (PostgreSQL or PGlite: the SqlClient decides). */
export const authRepositoriesSql = Layer.mergeAll(
  UserRepositoryPg.layer,
  CallersPg.layer,
  AdministratorsPg.layer,
  RoleRepositoryPg.layer,
  PermissionCataloguePg.layer,
  ResetTokenRepositoryPg.layer,
  SessionRepositoryPg.layer
)

/** The organisations module's repositories on SQL. */
export const organisationRepositoriesSql = Layer.merge(OrganisationRepositoryPg.layer, MembershipRepositoryPg.layer)

/**
 * The database with every module's repositories, the unit of work and the event tables. `local` are the
 * subscribers this process runs from the deliveries table: the outbox makes their deliveries.
 */
export const database = (config: AppConfig.DatabaseConfig, local: ReadonlyArray<Pick<Subscriber<unknown>, "name" | "types">>) =>
  Layer.mergeAll(
    authRepositoriesSql,
    organisationRepositoriesSql,
    SqlUnitOfWork.layer,
    OutboxPg.layer,
    DeliveriesPg.layer,
    InboxPg.layer
  ).pipe(
    Layer.provideMerge(Database.layer(config)),
    Layer.provide(Layer.succeed(LocalSubscriptions, local.map((s) => ({ name: s.name, types: s.types })))),
    Layer.merge(CommitSignal.layer)
  )

/** JetStream as the external bus, from NATS_* settings (`url` from NATS_URL, which the caller checked is set). */
export const jetStream = (nats: AppConfig.NatsConfig, url: Redacted.Redacted) =>
  JetStream.layer({
    url: Redacted.value(url),
    stream: nats.stream,
    subjectPrefix: nats.subjectPrefix,
    duplicateWindow: nats.duplicateWindow,
    ackWait: nats.ackWait,
    publishTimeout: nats.publishTimeout
  })

export const authSettings = (passwordReset: AppConfig.PasswordResetConfig) =>
  Layer.succeed(AuthSettings, { resetTokenTtl: passwordReset.tokenTtl, publicAppUrl: passwordReset.publicAppUrl })

/**
 * Rate limits on sign-in and password reset, counted in this process's memory: behind a load balancer
 * each instance counts its own share (shared stores, such as RateLimiter's Redis one, would pool them).
 */
export const throttle = (rateLimits: Throttle.ThrottleSettings) =>
  Throttle.layer(rateLimits).pipe(Layer.provide(Layer.mergeAll(
    RateLimiter.layer.pipe(Layer.provide(RateLimiterStoreMemory.layer)),
    LoginFailuresMemory.layer,
    KnownAddressesMemory.layer
  )))

/** Access tokens signed and verified with `keys` (SigningKeys.resolve), and the sessions' settings. */
export const tokens = (keys: KeySet, token: Pick<AppConfig.TokenConfig, "issuer" | "audience" | "ttl" | "refreshTtl">) =>
  Layer.merge(
    JoseTokens.layer({ keys, issuer: token.issuer, audience: token.audience, ttl: token.ttl }),
    Layer.succeed(SessionSettings, { refreshTokenTtl: token.refreshTtl })
  )

/** What the auth module serves besides GraphQL: the public halves of `keys`, for the HTTP server. */
export const authRoutes = (keys: KeySet, token: Pick<AppConfig.TokenConfig, "jwksMaxAge">) =>
  JwksRoute.make(JwtKeys.publicKeySet(keys.verifiers.values()), token.jwksMaxAge)

/**
 * Everything the server's resolvers and subscribers use, from its settings and resolved keys, and the
 * edge's Authenticator (auth's, on the same tokens and database); `local` as for `database`. The
 * server (main.ts) and the soak benchmark run exactly this.
 */
export const serverServices = (settings: AppConfig.ServerSettings, keys: KeySet, local: ReadonlyArray<Pick<Subscriber<unknown>, "name" | "types">>) =>
  Authentication.layer.pipe(Layer.provideMerge(Layer.mergeAll(
    database(settings.database, local),
    Argon2Hasher.layer(settings.passwordHashConcurrency),
    tokens(keys, settings.token),
    mailer(settings.mail, settings.environment),
    authSettings(settings.passwordReset),
    throttle(settings.rateLimits),
    Layer.succeed(PageSizeLimits, settings.pageSizes),
    Layer.succeed(ConflictRetry, settings.conflictRetry)
  )))
