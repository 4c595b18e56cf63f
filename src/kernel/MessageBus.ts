import { Effect } from "effect"
import { UnitOfWork } from "./UnitOfWork.js"

/** A command handler's outcome: the answer for the caller and the events the domain recorded. */
export interface Handled<A, Ev> {
  readonly result: A
  readonly events: ReadonlyArray<Ev>
}

export const handled = <A, Ev>(result: A, events: ReadonlyArray<Ev>): Handled<A, Ev> => ({ result, events })

// any: a registry holds handlers of different command, result, error and context types; the
// dispatcher recovers each one's exact types from its tag (see `Dispatch` below).
type AnyHandler = (command: any) => Effect.Effect<Handled<unknown, unknown>, any, any>

export type CommandRegistry = Record<string, AnyHandler>

type CommandOf<H extends CommandRegistry> = { [K in keyof H]: Parameters<H[K]>[0] & { readonly _tag: K } }[keyof H]
type Outcome<F> = F extends (command: any) => Effect.Effect<Handled<infer A, infer Ev>, infer E, infer R>
  ? { readonly result: A; readonly event: Ev; readonly error: E; readonly context: R }
  : never

/** Handles one event kind; failures are logged and never fail the command that raised the event. */
export type EventHandler<Ev, R> = (event: Ev) => Effect.Effect<void, unknown, R>

export type EventRegistry<Ev extends { readonly _tag: string }, R> = {
  readonly [K in Ev["_tag"]]?: ReadonlyArray<EventHandler<Extract<Ev, { readonly _tag: K }>, R>>
}

/**
 * The internal message bus: a command runs its one handler inside one unit of work; after commit
 * the events it raised go to every in-process handler registered for them.
 */
export const make = <H extends CommandRegistry, Ev extends { readonly _tag: string }, RE = never>(
  commands: H,
  events: EventRegistry<Ev, RE> = {}
) => {
  const publish = (raised: ReadonlyArray<Ev>) =>
    Effect.forEach(raised, (event) => {
      const handlers = (events[event._tag as Ev["_tag"]] ?? []) as ReadonlyArray<EventHandler<Ev, RE>>
      return Effect.forEach(handlers, (handle) =>
        handle(event).pipe(
          Effect.catchAllCause((cause) => Effect.logError(`event handler failed for ${event._tag}`, cause))
        ), { discard: true })
    }, { discard: true })

  return <C extends CommandOf<H>>(
    command: C
  ): Effect.Effect<
    Outcome<H[C["_tag"]]>["result"],
    Outcome<H[C["_tag"]]>["error"],
    Outcome<H[C["_tag"]]>["context"] | UnitOfWork | RE
  > =>
    Effect.gen(function*() {
      const uow = yield* UnitOfWork
      const handler = commands[command._tag] as AnyHandler
      const outcome = yield* uow.transactional(handler(command))
      // The registry's handlers raise the module's events; AnyHandler erased that type.
      yield* publish(outcome.events as ReadonlyArray<Ev>)
      return outcome.result
    }).pipe(Effect.withSpan(`command.${String(command._tag)}`))
}
