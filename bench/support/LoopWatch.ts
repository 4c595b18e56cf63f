/**
 * How long the Node event loop went without running a timer: the longest gap between two turns of a
 * 5 ms interval timer, the gap still open included, i.e. how long timers and sockets (an HTTP request,
 * say) would have waited. monitorEventLoopDelay is no use here: a loop that never turns takes no samples.
 */
import { performance } from "node:perf_hooks"

export const start = () => {
  let last = performance.now()
  let longest = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 5)
  return {
    longestMs: () => Math.max(longest, performance.now() - last),
    reset: () => {
      longest = 0
      last = performance.now()
    },
    stop: () => clearInterval(timer)
  }
}
