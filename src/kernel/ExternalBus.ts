import { Context, Data, type Effect } from "effect"
import type { Envelope } from "./Envelope.js"

/** The broker cannot take or give messages now (down, unreachable, or timed out); callers retry. */
export class BusUnavailable extends Data.TaggedError("BusUnavailable")<{ readonly reason: string }> {
  override get message() {
    return `The event bus is unavailable: ${this.reason}`
  }
}

/** The bus between the service and its workers (NATS JetStream in production). */
export class ExternalBus extends Context.Tag("kernel/ExternalBus")<ExternalBus, {
  /**
   * Succeeds once the broker has stored the envelope. Its id is the message id, so publishing the
   * same envelope again (a relay that died before recording the first publish) is dropped as a duplicate.
   */
  readonly publish: (envelope: Envelope) => Effect.Effect<void, BusUnavailable>
}>() {}
