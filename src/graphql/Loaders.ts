/**
 * Per-request batching for nested fields (DataLoader): graphql-js resolves a list's items in one
 * tick, each item's `load` joins the same batch, and one `find` answers them all, so a page of 100
 * users costs one role read, not 100. Loaders live for one request, so nothing is cached across callers.
 */
import DataLoader from "dataloader"
import { Effect, Option } from "effect"
import type { ResolverSpan } from "./Context.js"

/** A batched lookup by key; `find` answers the keys it knows and leaves out the rest. */
export interface Lookup<K, V, R> {
  readonly name: string
  readonly find: (keys: ReadonlyArray<K>) => Effect.Effect<ReadonlyMap<K, V>, never, R>
}

export const lookup = <K, V, R>(name: string, find: Lookup<K, V, R>["find"]): Lookup<K, V, R> => ({ name, find })

/**
 * A field of an object type read through a lookup: its parent's key (null: nothing to look up) and
 * its value from what was found, a pure function. The edge resolves it straight on the request's
 * DataLoader, without running a program per field: a page of 50 users asking for `role` and
 * `effectivePermissions` runs one program (the batch), not 100 (one fiber each).
 */
export interface BatchedField<R> {
  readonly _tag: "BatchedField"
  readonly lookup: Lookup<unknown, unknown, R>
  // any: the parent is whatever the module's resolvers returned for the type; each module knows its own.
  readonly key: (source: any) => unknown
  readonly value: (found: Option.Option<unknown>, source: any) => unknown
}

export const field = <S, K, V, R>(
  lookup: Lookup<K, V, R>,
  key: (source: S) => K | null,
  value: (found: Option.Option<V>, source: S) => unknown
): BatchedField<R> =>
  // The parts agree on K, V and S here; the field stores them erased, as graphql-js hands it any parent.
  ({ _tag: "BatchedField", lookup, key, value }) as unknown as BatchedField<R>

/** The request's loaders: `load` joins the current batch of `lookup` (made on first use). */
export interface RequestLoaders<R> {
  readonly load: <K, V>(lookup: Lookup<K, V, R>, key: K) => Promise<Option.Option<V>>
}

/** `run` runs a batch's program with the request's services: one run per batch, whatever its size. */
export const make = <R>(run: <A>(effect: Effect.Effect<A, never, R>, span: ResolverSpan) => Promise<A>): RequestLoaders<R> => {
  const loaders = new Map<Lookup<unknown, unknown, R>, DataLoader<unknown, Option.Option<unknown>>>()
  const loaderOf = <K, V>(lookup: Lookup<K, V, R>): DataLoader<K, Option.Option<V>> => {
    const existing = loaders.get(lookup as Lookup<unknown, unknown, R>) as DataLoader<K, Option.Option<V>> | undefined
    if (existing !== undefined) return existing
    const loader = new DataLoader<K, Option.Option<V>>(
      (keys) =>
        run(lookup.find(keys), { name: `graphql batch ${lookup.name}`, attributes: { "graphql.batch.size": keys.length } })
          .then((found) => keys.map((key) => Option.fromNullable(found.get(key)))),
      { cache: true }
    )
    loaders.set(lookup as Lookup<unknown, unknown, R>, loader as DataLoader<unknown, Option.Option<unknown>>)
    return loader
  }
  return { load: (lookup, key) => loaderOf(lookup).load(key) }
}
