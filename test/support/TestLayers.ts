import { Duration, Effect, Layer, Redacted } from "effect"
import * as AdministratorsMemory from "../../src/auth/adapters/memory/AdministratorsMemory.js"
import * as CallersMemory from "../../src/auth/adapters/memory/CallersMemory.js"
import * as MailerMemory from "../../src/auth/adapters/memory/MailerMemory.js"
import * as PermissionCatalogueMemory from "../../src/auth/adapters/memory/PermissionCatalogueMemory.js"
import * as ResetTokenRepositoryMemory from "../../src/auth/adapters/memory/ResetTokenRepositoryMemory.js"
import * as RoleRepositoryMemory from "../../src/auth/adapters/memory/RoleRepositoryMemory.js"
import * as UserRepositoryMemory from "../../src/auth/adapters/memory/UserRepositoryMemory.js"
import * as JwtKeys from "../../src/auth/adapters/JwtKeys.js"
import * as SessionRepositoryMemory from "../../src/auth/adapters/memory/SessionRepositoryMemory.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import * as Actor from "../../src/auth/Actor.js"
import * as Authentication from "../../src/auth/Authentication.js"
import { PasswordHasher } from "../../src/auth/ports/PasswordHasher.js"
import { AuthSettings } from "../../src/auth/Settings.js"
import * as Composition from "../../src/Composition.js"
import * as CommitSignal from "../../src/kernel/CommitSignal.js"
import * as Dispatcher from "../../src/kernel/Dispatcher.js"
import * as EventStoreMemory from "../../src/kernel/memory/EventStoreMemory.js"
import { LocalSubscriptions } from "../../src/kernel/Outbox.js"
import * as UnitOfWork from "../../src/kernel/UnitOfWork.js"
import * as MembershipRepositoryMemory from "../../src/organisations/adapters/memory/MembershipRepositoryMemory.js"
import * as OrganisationRepositoryMemory from "../../src/organisations/adapters/memory/OrganisationRepositoryMemory.js"

/**
 * A cheap, deterministic stand-in for argon2 in unit tests: the real hasher is covered by its own
 * test; here only the handlers' logic is under test.
 */
const plainHasher = Layer.succeed(PasswordHasher, PasswordHasher.of({
  hash: (password) => Effect.succeed(`plain$${Redacted.value(password)}`),
  verify: (password, hash) => Effect.succeed(hash !== undefined && hash === `plain$${Redacted.value(password)}`)
}))

export const settings = Layer.succeed(AuthSettings, AuthSettings.of({
  resetTokenTtl: Duration.minutes(15),
  publicAppUrl: new URL("https://app.example.test/")
}))

export const tokenSettings = { issuer: "kingdom-test", audience: "kingdom-test", ttl: Duration.hours(1), refreshTtl: Duration.days(30) }

export const tokens = Composition.tokens(
  SigningKeys.keySet(JwtKeys.fromSecret(Buffer.from("a-test-secret-of-at-least-thirty-two-bytes!"))),
  tokenSettings
)

/**
 * A fresh in-memory world per call (Ref-backed fakes must not leak between tests): auth's fakes and
 * every other module's, since subscribers react across modules, and the edge's Authenticator on them.
 * Commands act as the system unless a test provides a caller as CurrentActor.
 */
export const auth = () =>
  Authentication.layer.pipe(Layer.provideMerge(Layer.mergeAll(
    Layer.merge(AdministratorsMemory.layer, CallersMemory.layer).pipe(
      Layer.provideMerge(Layer.mergeAll(RoleRepositoryMemory.layer, PermissionCatalogueMemory.layer(Composition.catalogue), SessionRepositoryMemory.layer)),
      Layer.provideMerge(UserRepositoryMemory.layer)
    ),
    ResetTokenRepositoryMemory.layer,
    OrganisationRepositoryMemory.layer,
    MembershipRepositoryMemory.layer,
    MailerMemory.layer,
    UnitOfWork.layerMemory,
    plainHasher,
    tokens,
    settings,
    Layer.succeed(Actor.CurrentActor, Actor.system),
    EventStoreMemory.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, Composition.subscribers))),
    CommitSignal.layer
  )))

/** Immediate retries: a unit test drives deliveries round by round with `deliver`, not by waiting. */
export const eventOptions: Dispatcher.DispatchOptions = {
  retry: { maxAttempts: 3, baseDelay: Duration.zero, maxDelay: Duration.zero },
  batchSize: 100,
  concurrency: 1,
  lease: Duration.minutes(1),
  pollInterval: Duration.seconds(1)
}

/** Runs the subscribers on what the commands so far have committed (one round; answers how many ran). */
export const deliver = Dispatcher.runDue(Composition.subscribers, eventOptions)
