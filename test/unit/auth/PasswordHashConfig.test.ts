import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { vi } from "vitest"
import { passwordHashConcurrency } from "../../../src/Config.js"
import { readConfig } from "../../support/ConfigFrom.js"

/** The machine the default is computed for: each case sets its core count (node:os is mocked below). */
const machine = vi.hoisted(() => ({ cores: 1 }))
vi.mock("node:os", async (importOriginal) => {
  const os = await importOriginal<typeof import("node:os")>()
  const availableParallelism = () => machine.cores
  return { ...os, availableParallelism, default: { ...os, availableParallelism } }
})

const read = (env: Record<string, string>) => Effect.runSync(readConfig(passwordHashConcurrency, env))

describe("PASSWORD_HASH_CONCURRENCY", () => {
  // [cores, UV_THREADPOOL_SIZE (unset: Node's 4), the default]: a core fewer than the machine has, a
  // thread fewer than libuv's pool, at least 1.
  const defaults: ReadonlyArray<readonly [number, string | undefined, number]> = [
    [1, undefined, 1],
    [2, undefined, 1],
    [3, undefined, 2],
    [4, undefined, 3],
    [16, undefined, 3],
    [16, "8", 7],
    [4, "8", 3],
    [16, "2", 1],
    [16, "1", 1]
  ]
  it.each(defaults)("defaults, on %i cores with UV_THREADPOOL_SIZE %s, to %i", (cores, threadPool, expected) => {
    machine.cores = cores
    expect(read(threadPool === undefined ? {} : { UV_THREADPOOL_SIZE: threadPool })).toEqual(Either.right(expected))
  })

  it("takes a value in 1..1024 as given, whatever the machine and the pool, and refuses others", () => {
    machine.cores = 2
    expect(read({ PASSWORD_HASH_CONCURRENCY: "8", UV_THREADPOOL_SIZE: "2" })).toEqual(Either.right(8))
    expect(read({ PASSWORD_HASH_CONCURRENCY: "1024" })).toEqual(Either.right(1024))
    expect(read({ PASSWORD_HASH_CONCURRENCY: "1" })).toEqual(Either.right(1))
    for (const refused of ["0", "1025", "many"]) expect(Either.isLeft(read({ PASSWORD_HASH_CONCURRENCY: refused }))).toBe(true)
  })
})
