/** A signed-in caller holding exactly `grants`, as the edge would find it; no module's `caller` (the edge never reads it). */
import type { Grant } from "../../src/access/Grant.js"
import * as Policy from "../../src/access/Policy.js"
import type { Principal } from "../../src/access/Principal.js"

export const principalHolding = (
  grants: ReadonlyArray<Grant>,
  sessionId = "00000000-0000-4000-8000-000000000002"
): Principal => ({
  userId: "00000000-0000-4000-8000-000000000001",
  sessionId,
  permissions: grants,
  policy: Policy.compile(grants),
  caller: undefined
})
