/**
 * The benchmark's side of the load generator (CompareLoad.ts): one process for the whole run, started
 * with `node --import tsx`, fed one job a line; killed when the scope closes.
 */
import { Effect, type Scope } from "effect"
import { spawn } from "node:child_process"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import type { JobResult, RunResult, RunSpec } from "./CompareLoad.js"

const program = fileURLToPath(new URL("./CompareLoad.ts", import.meta.url))
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url))

export interface LoadGenerator {
  /** Runs the specs at the same time and answers their results in the same order. */
  readonly run: (runs: ReadonlyArray<RunSpec>) => Effect.Effect<ReadonlyArray<RunResult>, Error>
}

export const start: Effect.Effect<LoadGenerator, never, Scope.Scope> = Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => spawn(process.execPath, ["--import", "tsx", program], { cwd: repositoryRoot, stdio: ["pipe", "pipe", "inherit"] })),
    (started) => Effect.sync(() => (started.exitCode === null && started.signalCode === null ? started.kill("SIGKILL") : undefined))
  )
  const waiting = new Map<number, (result: Effect.Effect<ReadonlyArray<RunResult>, Error>) => void>()
  Readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const answer = JSON.parse(line) as JobResult
    waiting.get(answer.id)?.(Effect.succeed(answer.results))
    waiting.delete(answer.id)
  })
  child.on("exit", (code, signal) => {
    for (const resume of waiting.values()) resume(Effect.fail(new Error(`the load generator exited (${signal ?? code})`)))
    waiting.clear()
  })
  let next = 0
  return {
    run: (runs) =>
      Effect.async<ReadonlyArray<RunResult>, Error>((resume) => {
        const id = next++
        waiting.set(id, resume)
        child.stdin!.write(`${JSON.stringify({ id, runs })}\n`)
      })
  }
})
