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

const units = 3 * 400

/**
 * Three fibers each settling 400 promises after 0.5 ms of work apiece (about 600 ms in all), and a
 * timer set at the start: how many units of work were done when it fired, if it fired before the end?
 * An order, not a duration: the scheduler's turn budget (10 ms, some 20 units) is far below half.
 */
const timerBesideWork = Effect.gen(function*() {
  let done = 0
  let doneWhenFired: number | undefined
  setTimeout(() => doneWhenFired = done, 0)
  const fiber = Effect.forEach(Array.from({ length: units / 3 }), () => Effect.map(work(0.5), () => done++), { discard: true })
  yield* Effect.all([fiber, fiber, fiber], { concurrency: "unbounded" })
  return doneWhenFired
})

describe("FairScheduler", () => {
  it.live("gives the event loop a turn while fibers resume from settled promises back to back", () =>
    Effect.gen(function*() {
      const doneWhenFired = yield* Effect.withScheduler(timerBesideWork, FairScheduler.make(10))
      expect(doneWhenFired).toBeDefined()
      expect(doneWhenFired).toBeLessThan(units / 2)
    }))

  it.live("where Effect's default scheduler lets the same work hold the loop until it is done", () =>
    Effect.gen(function*() {
      expect(yield* timerBesideWork).toBeUndefined()
    }))
})
