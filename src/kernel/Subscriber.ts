import type { Effect } from "effect"
import type { Envelope } from "./Envelope.js"

/**
 * An event handler that runs after the command that raised the event committed: in process, in a
 * worker or in a Lambda. Its `name` is durable (the broker's consumer, the inbox and the delivery
 * key), so renaming one starts it afresh. Delivery is at least once; the inbox makes it once in effect.
 */
export interface Subscriber<R> {
  readonly name: string
  /** The event types (tags) it handles. */
  readonly types: ReadonlyArray<string>
  readonly handle: (envelope: Envelope) => Effect.Effect<void, unknown, R>
}
