import { Schema } from "effect"

/**
 * An event as it travels after its command committed: out of the outbox, over the external bus, into
 * a worker or a Lambda. `id` is the event's identity everywhere: the broker's message id (so a
 * republished event is dropped as a duplicate) and the inbox key (so a redelivered one is a no-op).
 */
export class Envelope extends Schema.Class<Envelope>("Envelope")({
  id: Schema.UUID,
  /** The event's tag: what subscribers select on. */
  type: Schema.String,
  occurredAt: Schema.Date,
  /** The event encoded by its module's schema (plain JSON). */
  payload: Schema.Unknown
}) {}

/** The wire format: one JSON document per message. */
export const EnvelopeJson = Schema.parseJson(Envelope)

export const toJson = Schema.encodeSync(EnvelopeJson)

export const fromJson = Schema.decodeUnknown(EnvelopeJson)
