import { Context, type Effect } from "effect"
import type { Administrator } from "../domain/Administrators.js"

/**
 * The users who hold the whole catalogue on every instance (domain/Administrators.ts). Read under a
 * lock kept to the end of the unit of work, so of two commands that each demote an administrator the
 * second sees what the first did: they cannot, together, leave none.
 */
export class Administrators extends Context.Tag("auth/Administrators")<Administrators, {
  readonly locked: Effect.Effect<ReadonlyArray<Administrator>>
}>() {}
