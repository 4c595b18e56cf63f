/**
 * A lint, run as a test: code that runs inside a unit of work (command handlers, subscribers, SQL
 * adapters, the bus itself) must not run effects concurrently. In @effect/sql 0.52 fibers forked inside
 * a transaction share its one connection; their statements interleave and nested transactions reuse
 * savepoint names, so one fiber's ROLLBACK TO can undo another's work. Sequential code has neither problem.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../../..")

/** Where code runs inside a transaction. Dispatcher, relay and workers run transactions, one per fiber: not here. */
const insideTransactions = (file: string) =>
  /^src\/[^/]+\/(handlers|subscribers|adapters\/postgres)\//.test(file) ||
  /^src\/database\/\w+Pg\.ts$/.test(file) ||
  ["src/database/SqlUnitOfWork.ts", "src/kernel/MessageBus.ts", "src/kernel/EventHandling.ts", "src/auth/Bootstrap.ts"].includes(file)

/** Concurrency in any of its Effect spellings; `concurrency: 1` is sequential and allowed. */
const concurrent = [
  /concurrency:\s*(?!1\b)[^\s,}]+/,
  /\bEffect\.(fork|forkDaemon|forkScoped|forkIn|forkAll|race|raceAll|raceFirst|raceWith)\b/,
  /\bbatching:\s*true/,
  /\bFiber\./
]

const sources = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync(Path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(Path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [Path.join(dir, entry.name)] : []
  )

const offences = (file: string) =>
  Fs.readFileSync(Path.join(root, file), "utf8").split("\n").flatMap((line, index) =>
    concurrent.some((pattern) => pattern.test(line)) ? [`${file}:${index + 1}: ${line.trim()}`] : [])

describe("no concurrency inside a transaction", () => {
  const files = sources("src").map((file) => file.split(Path.sep).join("/")).filter(insideTransactions)

  it("looks at the code that runs in units of work", () => {
    expect(files).toContain("src/auth/handlers/Users.ts")
    expect(files).toContain("src/database/OutboxPg.ts")
    expect(files).toContain("src/auth/subscribers/Mail.ts")
  })

  it("finds none there", () => {
    expect(files.flatMap(offences)).toEqual([])
  })

  it("would find each spelling", () => {
    for (const line of ["Effect.all(xs, { concurrency: 2 })", "{ concurrency: \"unbounded\" }", "Effect.fork(x)", "Effect.race(a, b)", "{ batching: true }"]) {
      expect(concurrent.some((pattern) => pattern.test(line)), line).toBe(true)
    }
    expect(concurrent.some((pattern) => pattern.test("Effect.forEach(xs, f, { concurrency: 1 })"))).toBe(false)
  })
})
