import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either } from "effect"
import { readConfig } from "../../support/ConfigFrom.js"
import * as AppConfig from "../../../src/Config.js"

describe("rate-limit settings", () => {
  it.effect("default to 20 a minute per address and a 1 s backoff after 5 failures, capped at 15 minutes", () =>
    Effect.gen(function*() {
      const limits = Either.getOrThrow(yield* readConfig(AppConfig.rateLimits, {}))
      expect(limits.perAddress).toEqual({ limit: 20, window: Duration.minutes(1) })
      expect(limits.backoff).toMatchObject({ freeFailures: 5, accountFreeFailures: 20, base: Duration.seconds(1), max: Duration.minutes(15) })
    }))

  it.effect("refuse a backoff cap the failures would be forgotten before", () =>
    Effect.gen(function*() {
      const result = yield* readConfig(AppConfig.rateLimits, { LOGIN_BACKOFF_MAX: "2 hours" })
      expect(Either.isLeft(result) && String(result.left)).toContain("LOGIN_BACKOFF_MAX")
    }))

  it.effect("TRUST_PROXY: unset trusts no proxy; anything but a hop count or networks is refused, naming it", () =>
    Effect.gen(function*() {
      expect(Either.getOrThrow(yield* readConfig(AppConfig.server, {})).trustProxy).toEqual({ _tag: "None" })
      expect(Either.getOrThrow(yield* readConfig(AppConfig.server, { TRUST_PROXY: "1" })).trustProxy).toEqual({ _tag: "Hops", hops: 1 })
      const refused = yield* readConfig(AppConfig.server, { TRUST_PROXY: "true" })
      expect(Either.isLeft(refused) && String(refused.left)).toContain("TRUST_PROXY")
    }))
})
