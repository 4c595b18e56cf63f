import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FairScheduler from "../../../src/kernel/FairScheduler.js"

/** A promise settled after `millis` of work on this thread, as PGlite's statements are. */
const work = (millis: number) =>
  Effect.promise(() => {
    const until = performance.now() + millis
    while (performance.now() < until);
    return Promise.resolve()
  })

/**
 * Three fibers doing 0.5 ms of work per settled promise, 400 times each (about 600 ms in all), and a
 * timer set at the start: when did it fire, if before the work was done?
 */
const timerBesideWork = Effect.gen(function*() {
  const start = performance.now()
  let firedAfter: number | undefined
  setTimeout(() => firedAfter = performance.now() - start, 0)
  const fiber = Effect.forEach(Array.from({ length: 400 }), () => work(0.5), { discard: true })
  yield* Effect.all([fiber, fiber, fiber], { concurrency: "unbounded" })
  return firedAfter
})

describe("FairScheduler", () => {
  it.live("gives the event loop a turn while fibers resume from settled promises back to back", () =>
    Effect.gen(function*() {
      const firedAfter = yield* Effect.withScheduler(timerBesideWork, FairScheduler.make(10))
      expect(firedAfter).toBeDefined()
      expect(firedAfter).toBeLessThan(300)
    }))

  it.live("where Effect's default scheduler lets the same work hold the loop until it is done", () =>
    Effect.gen(function*() {
      expect(yield* timerBesideWork).toBeUndefined()
    }))
})
