/**
 * The deployable Lambda module (handler: `src/worker/LambdaHandler.handler`, bundled by your tool of
 * choice): every module's subscribers over SQS, configured by the same environment as the server.
 * DATABASE_URL is required: a Lambda has no embedded database to keep.
 */
import { Effect, Layer, Option } from "effect"
import * as Composition from "../Composition.js"
import * as AppConfig from "../Config.js"
import * as Lambda from "./Lambda.js"

const settings = Effect.runSync(Effect.all({
  environment: AppConfig.environment,
  database: AppConfig.database,
  passwordReset: AppConfig.passwordReset,
  events: AppConfig.events,
  mail: AppConfig.mail
}))

if (Option.isNone(settings.database.url)) throw new Error("the Lambda handler needs DATABASE_URL (PostgreSQL)")

const layer = Layer.mergeAll(
  Composition.database(settings.database, []),
  Composition.mailer(settings.mail, settings.environment),
  Composition.authSettings(settings.passwordReset)
)

// Explicit: inferred from the layer, the subscribers' services would leave out the unit of work and
// the outbox, which a subscriber that dispatches a command (organisations-user-deletion) needs too.
export const handler = Lambda.make<Layer.Layer.Success<typeof layer>, Layer.Layer.Error<typeof layer>>(layer, Composition.subscribers, { retry: settings.events.retry, concurrency: settings.events.concurrency })
