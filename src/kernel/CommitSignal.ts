import { Context, Effect, Layer, PubSub, Queue, type Scope } from "effect"

/**
 * Tells the process's background loops (the local dispatcher, the relay) that a command committed
 * events, so they start at once instead of at their next poll. A hint only: they also poll, so a
 * missed signal delays work by one interval and loses nothing.
 */
export class CommitSignal extends Context.Tag("kernel/CommitSignal")<CommitSignal, {
  readonly notify: Effect.Effect<void>
  /** A wake-up for one loop: `wait` returns at the next notify after the previous wait, or after `timeout`. */
  readonly subscribe: Effect.Effect<{ readonly wait: (timeoutMillis: number) => Effect.Effect<void> }, never, Scope.Scope>
}>() {}

export const layer: Layer.Layer<CommitSignal> = Layer.effect(
  CommitSignal,
  Effect.map(PubSub.sliding<void>(1), (hub) =>
    CommitSignal.of({
      notify: Effect.asVoid(PubSub.publish(hub, undefined)),
      subscribe: Effect.map(PubSub.subscribe(hub), (queue) => ({
        wait: (timeoutMillis) => Effect.asVoid(Effect.timeoutOption(Queue.take(queue), timeoutMillis))
      }))
    }))
)
