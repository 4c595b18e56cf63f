/**
 * Counts the SQL statements a program sends, for tests that pin what a request costs (N+1 guards).
 *
 * Every statement built with the `sql` template passes @effect/sql's transformer (the FiberRef
 * Statement.currentTransformer) just before it runs: plain, inside a transaction, or streamed. The
 * counter installs one that records the statement's SQL. A FiberRef travels with runtimes, so a
 * Runtime captured with counting on records too, and so does every runtime captured from a fiber it
 * runs: the runtime handed to GraphQL resolvers, and through them the DataLoader batches.
 * Not recorded: BEGIN, COMMIT and savepoints, which @effect/sql sends on the connection directly.
 */
import * as Statement from "@effect/sql/Statement"
import type { PGlite } from "@electric-sql/pglite"
import { Effect, FiberRef, Option, Ref, type Scope } from "effect"

export interface StatementCounter {
  /** `effect` with counting on, for the statements it sends and for any runtime it captures. */
  readonly counting: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The SQL of the statements recorded since the last take, in the order they started; forgets them. */
  readonly take: Effect.Effect<ReadonlyArray<string>>
}

export const make: Effect.Effect<StatementCounter> = Effect.map(Ref.make<ReadonlyArray<string>>([]), (log) => ({
  counting: (effect) =>
    // A transformer already in place (none in src today) still runs, after the recording.
    Effect.flatMap(FiberRef.get(Statement.currentTransformer), (previous) =>
      Statement.withTransformer(effect, (statement, sql, refs, span) =>
        Effect.zipRight(
          Ref.update(log, (all) => [...all, statement.compile()[0]]),
          Option.isSome(previous) ? previous.value(statement, sql, refs, span) : Effect.succeed(statement)
        ))),
  take: Ref.getAndSet(log, [])
}))

/**
 * How many statements a PGlite instance itself is sent while the scope is open (calls of its `query`
 * and `exec`, BEGIN and COMMIT included): the ground truth to check the counter against on PGlite.
 */
export const receivedBy = (db: PGlite): Effect.Effect<Effect.Effect<number>, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        let count = 0
        // Both are PGlite's prototype methods; own properties shadow them until released.
        const { query, exec } = db
        db.query = ((...args: Parameters<typeof query>) => (count++, query.apply(db, args))) as typeof query
        db.exec = ((...args: Parameters<typeof exec>) => (count++, exec.apply(db, args))) as typeof exec
        return () => count
      }),
      () => Effect.sync(() => {
        delete (db as Partial<PGlite>).query
        delete (db as Partial<PGlite>).exec
      })
    ),
    (count) => Effect.sync(count)
  )
