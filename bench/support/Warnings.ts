/**
 * Node's process warnings, counted instead of printed while a program runs: a warning emitted on every
 * request would otherwise bury the report. Each distinct warning is reported once, with its count.
 */
import { Effect } from "effect"

export type Counts = ReadonlyMap<string, number>

export const counted = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, Counts], E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      // Node prints warnings from a 'warning' listener of its own; it is set aside and put back after.
      const printers = process.listeners("warning")
      const counts = new Map<string, number>()
      const count = (warning: Error) => {
        const key = `${warning.name}: ${warning.message}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      process.removeAllListeners("warning")
      process.on("warning", count)
      return { printers, counts, count }
    }),
    ({ counts }) => Effect.map(effect, (value) => [value, counts] as const),
    ({ count, printers }) =>
      Effect.sync(() => {
        process.off("warning", count)
        for (const printer of printers) process.on("warning", printer)
      })
  )
