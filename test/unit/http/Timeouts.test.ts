/** The request and slow-client timeouts as configuration reads them: defaults, overrides, and what is refused. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either } from "effect"
import { readConfig } from "../../support/ConfigFrom.js"
import * as AppConfig from "../../../src/Config.js"

describe("timeouts in configuration", () => {
  it.effect("default to 30 s per request, 10 s for headers and 30 s for a whole request to arrive", () =>
    Effect.gen(function*() {
      const server = Either.getOrThrow(yield* readConfig(AppConfig.server, {}))
      const limits = Either.getOrThrow(yield* readConfig(AppConfig.queryLimits, {}))
      expect([server.headersTimeout, server.receiveTimeout, limits.requestTimeout].map(Duration.toMillis)).toEqual([10_000, 30_000, 30_000])
    }))

  it.effect("are read from HEADERS_TIMEOUT, RECEIVE_TIMEOUT and REQUEST_TIMEOUT", () =>
    Effect.gen(function*() {
      const server = Either.getOrThrow(yield* readConfig(AppConfig.server, { HEADERS_TIMEOUT: "2 seconds", RECEIVE_TIMEOUT: "1 minute" }))
      const limits = Either.getOrThrow(yield* readConfig(AppConfig.queryLimits, { REQUEST_TIMEOUT: "1500 millis" }))
      expect([server.headersTimeout, server.receiveTimeout, limits.requestTimeout].map(Duration.toMillis)).toEqual([2_000, 60_000, 1_500])
    }))

  it.effect("refuse headers allowed longer than the whole request (Node would throw), and a zero timeout", () =>
    Effect.gen(function*() {
      expect(Either.isLeft(yield* readConfig(AppConfig.server, { HEADERS_TIMEOUT: "40 seconds" }))).toBe(true)
      expect(Either.isLeft(yield* readConfig(AppConfig.server, { HEADERS_TIMEOUT: "0 seconds" }))).toBe(true)
      expect(Either.isLeft(yield* readConfig(AppConfig.queryLimits, { REQUEST_TIMEOUT: "0 seconds" }))).toBe(true)
    }))
})
