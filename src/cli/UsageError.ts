import { Data } from "effect"

/** Input the command line cannot act on, found after parsing (which @effect/cli reports itself). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}
