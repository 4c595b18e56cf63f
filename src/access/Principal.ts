import type { Grant } from "./Grant.js"
import type { Policy } from "./Policy.js"

/**
 * Who is calling, as the edge knows them, with their grants as stored now (so a revocation holds from
 * the next request). `caller` is what the module that authenticated them read along (auth: the
 * session, the user and their role, so `me` reads nothing more): access and the edge never look into
 * it, so they know no module.
 */
export interface Principal<Caller = unknown> {
  readonly userId: string
  /** The session the caller's access token belongs to (what `logout` ends). */
  readonly sessionId: string
  /** Own grants plus the role's. */
  readonly permissions: ReadonlyArray<Grant>
  readonly policy: Policy
  readonly caller: Caller
}
