import { Context, type Effect } from "effect"

export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
}

export class Mailer extends Context.Tag("auth/Mailer")<Mailer, {
  readonly send: (mail: Mail) => Effect.Effect<void>
}>() {}
