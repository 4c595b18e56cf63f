import { Context, type Effect, type Option } from "effect"
import type { SessionId } from "../domain/Ids.js"
import type { Role } from "../domain/Role.js"
import type { Session } from "../domain/Session.js"
import type { User } from "../domain/User.js"

/** Who an access token's session belongs to, as stored now: the session, its user and the user's role. */
export interface Caller {
  readonly session: Session
  readonly user: User
  readonly role: Option.Option<Role>
}

/**
 * The read every authenticated request makes, so it is one read (one statement in SQL): a revoked
 * session, a detached grant or a deleted user shows at the very next request, on every process.
 */
export class Callers extends Context.Tag("auth/Callers")<Callers, {
  readonly bySession: (id: SessionId) => Effect.Effect<Option.Option<Caller>>
}>() {}
