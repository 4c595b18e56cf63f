import { Context, Data, type Effect } from "effect"

export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
}

/** The mail could not be handed to the mail server now; the event that asked for it is retried. */
export class MailNotSent extends Data.TaggedError("MailNotSent")<{ readonly reason: string }> {
  override get message() {
    return `Mail not sent: ${this.reason}`
  }
}

export class Mailer extends Context.Tag("auth/Mailer")<Mailer, {
  readonly send: (mail: Mail) => Effect.Effect<void, MailNotSent>
}>() {}
