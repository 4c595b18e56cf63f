import { Effect, Layer } from "effect"
import { Mailer } from "../ports/Mailer.js"

/** Development mailer: writes each message to the log so the reset link can be copied from there. */
export const layer: Layer.Layer<Mailer> = Layer.succeed(
  Mailer,
  Mailer.of({
    send: (mail) => Effect.logInfo(`mail to ${mail.to}: ${mail.subject}\n${mail.text}`).pipe(Effect.annotateLogs("mailer", "log"))
  })
)
