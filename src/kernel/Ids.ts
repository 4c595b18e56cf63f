import { randomUUID } from "node:crypto"
import { Effect } from "effect"

/** A fresh random (v4) UUID for a new aggregate. */
export const newUuid: Effect.Effect<string> = Effect.sync(randomUUID)
