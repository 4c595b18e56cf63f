import { Context, Effect } from "effect"
import { InvalidArgument } from "./Errors.js"

/** The largest page a list may return; configurable (MAX_PAGE_SIZE). */
export class MaxPageSize extends Context.Reference<MaxPageSize>()("kernel/MaxPageSize", { defaultValue: () => 100 }) {}

/** A client-chosen page size, refused (not clamped) when outside 0..MaxPageSize, so the client learns the rule. */
export const checkPageSize = (argument: string, size: number) =>
  Effect.flatMap(MaxPageSize, (max) =>
    Number.isInteger(size) && size >= 0 && size <= max
      ? Effect.succeed(size)
      : Effect.fail(new InvalidArgument({ argument, reason: `must be an integer from 0 to ${max}` })))
