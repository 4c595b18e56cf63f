/**
 * Per-request batching for nested fields (DataLoader): graphql-js resolves a list's items in one
 * tick, each item's `load` joins the same batch, and one `find` answers them all, so a page of 100
 * users costs one role read, not 100. Loaders live for one request, so nothing is cached across callers.
 */
import DataLoader from "dataloader"
import { Context, Effect, Option, Runtime } from "effect"

/** A batched lookup by key; `find` answers the keys it knows and leaves out the rest. */
export interface Lookup<K, V, R> {
  readonly name: string
  readonly find: (keys: ReadonlyArray<K>) => Effect.Effect<ReadonlyMap<K, V>, never, R>
}

export const lookup = <K, V, R>(name: string, find: Lookup<K, V, R>["find"]): Lookup<K, V, R> => ({ name, find })

type Loaders = Map<Lookup<unknown, unknown, never>, DataLoader<unknown, Option.Option<unknown>>>

export class RequestLoaders extends Context.Tag("graphql/RequestLoaders")<RequestLoaders, Loaders>() {}

export const make = (): Loaders => new Map()

export const load = <K, V, R>(lookup: Lookup<K, V, R>, key: K): Effect.Effect<Option.Option<V>, never, R | RequestLoaders> =>
  Effect.gen(function*() {
    const loaders = yield* RequestLoaders
    // The first caller's runtime runs the batch: it holds the request's services (and its log annotations).
    const runtime = yield* Effect.runtime<R>()
    const existing = loaders.get(lookup as Lookup<unknown, unknown, never>) as DataLoader<K, Option.Option<V>> | undefined
    const loader = existing ?? new DataLoader<K, Option.Option<V>>(
      (keys) => Runtime.runPromise(runtime)(lookup.find(keys)).then((found) => keys.map((key) => Option.fromNullable(found.get(key)))),
      { cache: true }
    )
    if (existing === undefined) loaders.set(lookup as Lookup<unknown, unknown, never>, loader as DataLoader<unknown, Option.Option<unknown>>)
    return yield* Effect.promise(() => loader.load(key))
  })
