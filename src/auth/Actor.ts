import { Context } from "effect"
import type { Policy } from "../access/Policy.js"

/**
 * Who issues a command that hands out access (grants, revocations, role assignments): a caller, whose
 * own grants bound what they may hand out, or the system itself (bootstrap, operators' tools). A
 * required service with no default, so an entry point cannot forget to say who is acting.
 */
export type Actor =
  | { readonly _tag: "System" }
  | { readonly _tag: "Caller"; readonly policy: Policy }

export class CurrentActor extends Context.Tag("auth/CurrentActor")<CurrentActor, Actor>() {}

export const system: Actor = { _tag: "System" }

export const caller = (policy: Policy): Actor => ({ _tag: "Caller", policy })
