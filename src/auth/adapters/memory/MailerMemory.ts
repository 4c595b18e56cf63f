import { Context, Effect, Layer, Ref } from "effect"
import { type Mail, Mailer } from "../../ports/Mailer.js"

/** Keeps sent mail so tests can read the reset link a user would receive. */
export class SentMail extends Context.Tag("auth/SentMail")<SentMail, Ref.Ref<ReadonlyArray<Mail>>>() {}

export const layer: Layer.Layer<Mailer | SentMail> = Layer.effectContext(
  Effect.map(Ref.make<ReadonlyArray<Mail>>([]), (sent) =>
    Context.make(SentMail, sent).pipe(
      Context.add(Mailer, Mailer.of({ send: (mail) => Ref.update(sent, (all) => [...all, mail]) }))
    ))
)
