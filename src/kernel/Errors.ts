import { Data } from "effect"

/** Another writer saved the aggregate first; the caller may retry on the fresh state. */
export class Conflict extends Data.TaggedError("Conflict")<{
  readonly aggregate: string
  readonly id: string
}> {
  override get message() {
    return `${this.aggregate} ${this.id} was changed concurrently; retry`
  }
}
