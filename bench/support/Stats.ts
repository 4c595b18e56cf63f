/** Timing samples and their summary: wall-clock milliseconds from performance.now(). */
import { Effect } from "effect"
import { performance } from "node:perf_hooks"

export interface Summary {
  readonly n: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly minMs: number
  readonly maxMs: number
}

/** Runs `effect` and answers its result with the milliseconds it took. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [number, A], E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(effect, (value) => [performance.now() - start, value] as const)
  })

/** Nearest-rank percentile: with 200 samples p99 is the second slowest, not an interpolation. */
const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    meanMs: sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN
  }
}

/** Runs every case `rounds` times, interleaved and rotated each round, so drift (cache, autovacuum, CPU clock) hits all alike. */
export const interleaved = <K extends string, E, R>(
  cases: ReadonlyArray<readonly [K, Effect.Effect<unknown, E, R>]>,
  rounds: number
): Effect.Effect<Map<K, Array<number>>, E, R> =>
  Effect.gen(function*() {
    const samples = new Map<K, Array<number>>(cases.map(([name]) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const [name, effect] = cases[(round + i) % cases.length]!
        const [ms] = yield* timed(effect)
        samples.get(name)!.push(ms)
      }
    }
    return samples
  })

export const ms = (value: number): string => value.toFixed(2)

/** A plain-text table; the first column left-aligned, the others right-aligned. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ")
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n")
}
