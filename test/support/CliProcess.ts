/**
 * `npx kingdom` as an operator runs it: bin/kingdom.js in its own process, from the project folder,
 * with only the variables given (an inherited DATABASE_URL would change what is tested).
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const projectRoot = fileURLToPath(new URL("../..", import.meta.url))
const bin = fileURLToPath(new URL("../../bin/kingdom.js", import.meta.url))

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  readonly env: Record<string, string>
  /** Written to its standard input, which is then closed (a pipe: no prompt). */
  readonly stdin?: string
}

export const run = (args: ReadonlyArray<string>, options: CliOptions): Effect.Effect<CliRun> =>
  Effect.async<CliRun>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: projectRoot,
      env: { NODE_ENV: "test", ...options.env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.once("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(options.stdin ?? "")
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** Its stdout when it exited 0; otherwise a failure showing both streams. */
export const ok = (args: ReadonlyArray<string>, options: CliOptions) =>
  Effect.flatMap(run(args, options), (result) =>
    result.code === 0
      ? Effect.succeed(result.stdout)
      : Effect.dieMessage(`kingdom ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`))

/** The one line a refused command writes to stderr, after exit code 1. */
export const refused = (args: ReadonlyArray<string>, options: CliOptions) =>
  Effect.flatMap(run(args, options), (result) =>
    result.code === 1 && result.stdout === ""
      ? Effect.succeed(result.stderr.trim())
      : Effect.dieMessage(`kingdom ${args.join(" ")} should fail with code 1 and no output, got ${result.code}:\n${result.stdout}\n${result.stderr}`))
