import type { Effect } from "effect"

/** A benchmark bench/run.ts can run by name: it prints its own report and may write bench/results/<name>.json. */
export interface Benchmark {
  readonly name: string
  readonly summary: string
  readonly run: Effect.Effect<void, unknown>
}
