import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Os from "node:os"
import { passwordHashConcurrency } from "../../../src/Config.js"
import { defaultsOf, readConfig } from "../../support/ConfigFrom.js"

const read = (env: Record<string, string>) => Effect.runSync(readConfig(passwordHashConcurrency, env))

describe("PASSWORD_HASH_CONCURRENCY", () => {
  it("defaults to a core fewer than the machine has, and a thread fewer than libuv's pool, but at least 1", () => {
    const cores = Os.availableParallelism()
    expect(defaultsOf(passwordHashConcurrency)).toBe(Math.max(1, Math.min(cores - 1, 3)))
    expect(read({ UV_THREADPOOL_SIZE: "2" })).toEqual(Either.right(1))
    expect(read({ UV_THREADPOOL_SIZE: "1" })).toEqual(Either.right(1))
  })

  it("takes a value in 1..1024 as given, whatever the pool size, and refuses others", () => {
    expect(read({ PASSWORD_HASH_CONCURRENCY: "8", UV_THREADPOOL_SIZE: "2" })).toEqual(Either.right(8))
    expect(Either.isLeft(read({ PASSWORD_HASH_CONCURRENCY: "0" }))).toBe(true)
    expect(Either.isLeft(read({ PASSWORD_HASH_CONCURRENCY: "many" }))).toBe(true)
  })
})
