/**
 * What the commands run on: the composition root's own layers (Composition.ts), from the same Config,
 * so a user created here is stored, hashed and announced exactly as one created through GraphQL.
 */
import { Effect, Layer, Option } from "effect"
import * as Actor from "../auth/Actor.js"
import { CurrentActor } from "../auth/Actor.js"
import * as Argon2Hasher from "../auth/adapters/Argon2Hasher.js"
import * as SigningKeys from "../auth/adapters/SigningKeys.js"
import * as Composition from "../Composition.js"
import * as AppConfig from "../Config.js"
import * as EventBacklog from "../database/EventBacklog.js"
import { ConflictRetry } from "../kernel/ConflictRetry.js"

/**
 * The database as the server opens it (the embedded one takes DATA_DIR's lock, so it fails while a
 * server runs), except that PostgreSQL is never migrated on the way: only `kingdom migrate` does.
 * Deliveries are made for the subscribers the server runs itself (none with NATS), as the server's
 * own commands make them, so the welcome mail of a user created here is sent by the server.
 */
export const database = Layer.unwrapEffect(Effect.gen(function*() {
  const config = yield* AppConfig.database
  const nats = yield* AppConfig.nats
  const local = Option.isSome(nats.url) ? [] : Composition.subscribers
  return Layer.provideMerge(EventBacklog.layer, Composition.database({ ...config, migrateOnStart: false }, local))
}))

/** The database and what the auth module's commands need; the operator acts as the system (Actor.ts). */
export const auth = Layer.unwrapEffect(Effect.gen(function*() {
  const concurrency = yield* AppConfig.passwordHashConcurrency
  const conflictRetry = yield* AppConfig.conflictRetry
  return Layer.mergeAll(
    database,
    Argon2Hasher.layer(concurrency),
    Layer.succeed(ConflictRetry, conflictRetry),
    Layer.succeed(CurrentActor, Actor.system)
  )
}))

/** The database and the server's signing key: tokens issued here are the server's own. */
export const tokens = Layer.unwrapEffect(Effect.gen(function*() {
  const environment = yield* AppConfig.environment
  const database = yield* AppConfig.database
  const token = yield* AppConfig.token
  const keys = yield* SigningKeys.resolve({ ...token, environment, dataDir: database.dataDir })
  return Composition.tokens(keys, token)
})).pipe(Layer.merge(database))
