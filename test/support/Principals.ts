/** A signed-in caller holding exactly `grants` (own grants, no role), as the edge would find it. */
import { Option } from "effect"
import * as Grant from "../../src/auth/domain/Grant.js"
import { SessionId, UserId } from "../../src/auth/domain/Ids.js"
import * as Policy from "../../src/auth/domain/Policy.js"
import * as User from "../../src/auth/domain/User.js"
import type { Principal } from "../../src/auth/Queries.js"

export const principalHolding = (
  grants: ReadonlyArray<Grant.Grant>,
  sessionId = "00000000-0000-4000-8000-000000000002"
): Principal => {
  const user = {
    ...User.register({
      id: UserId("00000000-0000-4000-8000-000000000001"),
      accessKey: "caller",
      email: "caller@example.test",
      name: "Caller",
      passwordHash: "$fake$",
      now: new Date(0)
    }).state,
    permissions: Grant.normalize(grants)
  }
  return {
    userId: user.id,
    sessionId: SessionId(sessionId),
    accessKey: user.accessKey,
    permissions: grants,
    policy: Policy.compile(grants),
    user,
    role: Option.none()
  }
}
