import { Clock, Effect } from "effect"
import { CommitSignal } from "./CommitSignal.js"
import { retryOnConflict } from "./ConflictRetry.js"
import { Envelope } from "./Envelope.js"
import { newUuid } from "./Ids.js"
import { Outbox } from "./Outbox.js"
import { UnitOfWork } from "./UnitOfWork.js"

/** A command handler's outcome: the answer for the caller and the events the domain recorded. */
export interface Handled<A, Ev> {
  readonly result: A
  readonly events: ReadonlyArray<Ev>
}

export const handled = <A, Ev>(result: A, events: ReadonlyArray<Ev>): Handled<A, Ev> => ({ result, events })

const phases = Symbol.for("kingdom/MessageBus/phases")

interface Phases {
  readonly prepare: (command: unknown) => Effect.Effect<unknown, unknown, unknown>
  readonly decide: (prepared: unknown) => Effect.Effect<Handled<unknown, unknown>, unknown, unknown>
}

/**
 * A handler in two phases: `prepare` runs before the unit of work opens, `decide` inside it with what
 * `prepare` gave. For slow work that needs no transaction (checking a password costs ~8 ms of
 * hashing): inside, it would hold a pooled connection, or PGlite's one session, all that time. Whatever
 * `prepare` reads may change before `decide` runs, and a Conflict retries `decide` alone.
 * Called directly (in tests), the handler runs both phases one after the other.
 */
export const inTwoPhases = <C, P, E1, R1, A, Ev, E2, R2>(
  prepare: (command: C) => Effect.Effect<P, E1, R1>,
  decide: (prepared: P) => Effect.Effect<Handled<A, Ev>, E2, R2>
): (command: C) => Effect.Effect<Handled<A, Ev>, E1 | E2, R1 | R2> =>
  Object.assign((command: C) => Effect.flatMap(prepare(command), decide), { [phases]: { prepare, decide } })

const phasesOf = (handler: AnyHandler): Phases =>
  (handler as AnyHandler & { readonly [phases]?: Phases })[phases] ?? { prepare: Effect.succeed, decide: handler }

// any: a registry holds handlers of different command, result, error and context types; the
// dispatcher recovers each one's exact types from its tag (see `Dispatch` below).
type AnyHandler = (command: any) => Effect.Effect<Handled<unknown, unknown>, any, any>

export type CommandRegistry = Record<string, AnyHandler>

type CommandOf<H extends CommandRegistry> = { [K in keyof H]: Parameters<H[K]>[0] & { readonly _tag: K } }[keyof H]
type Outcome<F> = F extends (command: any) => Effect.Effect<Handled<infer A, infer Ev>, infer E, infer R>
  ? { readonly result: A; readonly event: Ev; readonly error: E; readonly context: R }
  : never

const envelopeOf = <Ev extends { readonly _tag: string }>(encode: (event: Ev) => unknown) => (event: Ev) =>
  Effect.all({ id: newUuid, at: Clock.currentTimeMillis }).pipe(
    Effect.map(({ at, id }) => new Envelope({ id, type: event._tag, occurredAt: new Date(at), payload: encode(event) }))
  )

/**
 * The internal message bus: a command runs its one handler inside one unit of work (a two-phase
 * handler's first phase before it), and the events the handler returns are stored in the outbox in
 * that same unit of work. A command that lost a race on an aggregate (Conflict) runs again on the
 * fresh state (ConflictRetry.ts). After commit, subscribers (Subscriber.ts: in process, in workers)
 * get them from there, at least once, never before the change they describe is durable, and never
 * for a change that rolled back.
 */
export const make = <H extends CommandRegistry, Ev extends { readonly _tag: string }>(
  commands: H,
  /** The module's event schema, for events to leave the process as JSON and come back intact. */
  encode: (event: Ev) => unknown
) =>
<C extends CommandOf<H>>(
  command: C
): Effect.Effect<
  Outcome<H[C["_tag"]]>["result"],
  Outcome<H[C["_tag"]]>["error"],
  Outcome<H[C["_tag"]]>["context"] | UnitOfWork | Outbox | CommitSignal
> =>
  Effect.gen(function*() {
    const uow = yield* UnitOfWork
    const outbox = yield* Outbox
    const { decide, prepare } = phasesOf(commands[command._tag] as AnyHandler)
    const prepared = yield* prepare(command)
    const { raised, result } = yield* uow.transactional(Effect.gen(function*() {
      const outcome = yield* decide(prepared)
      // The registry's handlers raise the module's events; AnyHandler erased that type.
      const events = outcome.events as ReadonlyArray<Ev>
      if (events.length > 0) yield* outbox.append(yield* Effect.forEach(events, envelopeOf(encode)))
      return { raised: events.length, result: outcome.result }
    })).pipe(retryOnConflict(String(command._tag)))
    if (raised > 0) yield* Effect.flatMap(CommitSignal, (signal) => signal.notify)
    return result
  }).pipe(Effect.withSpan(`command.${String(command._tag)}`))
