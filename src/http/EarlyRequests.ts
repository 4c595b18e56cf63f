/**
 * @effect/platform-node's server listens first and attaches its request handler later, when the app is
 * served; a request that arrives in between has no listener and is never answered (its client hangs).
 * Under load the gap lasted long enough for a health probe to fall into it. Here a listener attached
 * before listening holds such requests, and `release` hands them to the handler once it is attached.
 */
import { Effect } from "effect"
import type * as Http from "node:http"

export const hold = (server: Http.Server) => {
  const held: Array<[Http.IncomingMessage, Http.ServerResponse]> = []
  const keep = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
    // Alone: nothing else will answer it. Once the handler is attached it answers, and this ignores.
    if (server.listenerCount("request") === 1) held.push([request, response])
  }
  server.on("request", keep)
  return {
    /** Run after the handler is attached: it gets the held requests, in order. */
    release: Effect.sync(() => {
      server.off("request", keep)
      for (const [request, response] of held.splice(0)) server.emit("request", request, response)
    })
  }
}
