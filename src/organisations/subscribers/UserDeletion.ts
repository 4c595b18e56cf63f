/**
 * The module's reaction to auth: a deleted user leaves every organisation. Auth knows nothing of
 * organisations; it records UserDeleted, and this subscriber (run after that commit, by whichever
 * process runs subscribers) turns the event into the module's own command, whose MemberRemoved events
 * go to the outbox in the same unit of work. At least once, once in effect: the inbox drops a
 * redelivery, and the command itself changes nothing the second time.
 */
import { Effect, Schema } from "effect"
import { UserDeleted } from "../../auth/domain/Events.js"
import { UserId } from "../../auth/domain/Ids.js"
import type { CommitSignal } from "../../kernel/CommitSignal.js"
import type { Envelope } from "../../kernel/Envelope.js"
import type { Outbox } from "../../kernel/Outbox.js"
import type { Subscriber } from "../../kernel/Subscriber.js"
import type { UnitOfWork } from "../../kernel/UnitOfWork.js"
import { RemoveUserMemberships } from "../Commands.js"
import { dispatch } from "../handlers/Handlers.js"
import type { MembershipRepository } from "../ports/MembershipRepository.js"

const decode = Schema.decodeUnknown(UserDeleted)

export const userDeletion: Subscriber<MembershipRepository | UnitOfWork | Outbox | CommitSignal> = {
  name: "organisations-user-deletion",
  types: ["UserDeleted"],
  handle: (envelope: Envelope) =>
    Effect.flatMap(decode(envelope.payload), (event) => dispatch(new RemoveUserMemberships({ userId: UserId(event.userId) }))).pipe(
      Effect.asVoid
    )
}
