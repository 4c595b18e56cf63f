/**
 * An Effect scheduler that gives Node's event loop a turn at least every `turnEveryMillis` of work.
 *
 * Effect's default scheduler resumes fibers through microtasks, and only moves to a timer after 2048
 * drains in a row of one fiber's runner; fibers resumed by settled promises start a new run each time,
 * so work that settles promises back to back (PGlite computes on this thread) never lets the loop
 * poll its sockets. Under load on the embedded database the server went seconds without reading a
 * connection: in the comparison benchmark no sign-in beside query (1) was answered at all.
 *
 * Here, once the last macrotask turn is older than the budget, fibers resume from `setImmediate`
 * (after the poll phase) instead of a microtask. A pending `setImmediate` marks each turn the loop
 * takes, whoever caused it. On PostgreSQL the driver's socket reads already take turns, so the mark
 * keeps up and the microtask path stays.
 */
import { Layer, Scheduler } from "effect"

export const make = (turnEveryMillis: number): Scheduler.Scheduler => {
  let lastTurn = performance.now()
  let marking = false
  const markTurn = () => {
    marking = false
    lastTurn = performance.now()
  }
  const runnerOf = Scheduler.SchedulerRunner.cached((depth, drain) => {
    if (!marking) {
      marking = true
      setImmediate(markTurn)
    }
    if (performance.now() - lastTurn >= turnEveryMillis) setImmediate(() => drain(0))
    else queueMicrotask(() => drain(depth + 1))
  })
  return {
    shouldYield: (fiber) => Scheduler.defaultScheduler.shouldYield(fiber),
    scheduleTask: (task, priority, fiber) => runnerOf(fiber).scheduleTask(task, priority)
  }
}

/**
 * 10 ms: the budget the PGlite-session variant of this measured best (50 ms let sign-ins starve
 * again; 10 ms cost about 6% of query (1) on PGlite). A latency bound for the other connections,
 * not a limit a deployment tunes.
 */
export const layer = Layer.setScheduler(make(10))
