import { Data, Duration } from "effect"

/** Another writer saved the aggregate first; the caller may retry on the fresh state. */
export class Conflict extends Data.TaggedError("Conflict")<{
  readonly aggregate: string
  readonly id: string
}> {
  override get message() {
    return `${this.aggregate} ${this.id} was changed concurrently; retry`
  }
}

/** A request argument outside what the API accepts (for example a list size over the maximum). */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{
  readonly argument: string
  readonly reason: string
}> {
  override get message() {
    return `${this.argument} ${this.reason}`
  }
}

/** No valid credentials came with a request that needs them. */
export class Unauthenticated extends Data.TaggedError("Unauthenticated")<{}> {
  override get message() {
    return "Authentication required: send a valid token as 'Authorization: Bearer <token>'"
  }
}

/** The caller is known but lacks the permission the field needs, or its grant does not reach this instance. */
export class Forbidden extends Data.TaggedError("Forbidden")<{
  readonly resource: string
  readonly action: string
  readonly instance?: string | undefined
}> {
  override get message() {
    return `Not allowed to ${this.action} ${this.resource}${this.instance === undefined ? "" : ` ${this.instance}`}`
  }
}

/**
 * Too many attempts from this client or on this account; `retryAfter` says when to try again. The
 * message names neither the limit nor the account, so a refusal tells nothing about who exists.
 */
export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly retryAfter: Duration.Duration
}> {
  override get message() {
    return `Too many attempts; try again in ${retryAfterSeconds(this)} seconds`
  }
}

/** Whole seconds, rounded up, as HTTP's Retry-After counts them: never 0 while a wait remains. */
export const retryAfterSeconds = (error: RateLimited): number => Math.max(1, Math.ceil(Duration.toSeconds(error.retryAfter)))
