import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as EarlyRequests from "../../src/http/EarlyRequests.js"

const listening = (server: Http.Server) =>
  Effect.async<string>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)))
  })

/**
 * Resolves once the server has emitted its first `request` event, whoever listens. (A listener of
 * our own would change what is tested: the hold acts only while it is the sole listener.)
 */
const firstRequestEmitted = (server: Http.Server) =>
  Effect.tap(Deferred.make<void>(), (emitted) =>
    Effect.sync(() => {
      const emit = server.emit.bind(server) as (event: string | symbol, ...args: Array<unknown>) => boolean
      server.emit = ((event: string | symbol, ...args: Array<unknown>) => {
        if (event === "request") Deferred.unsafeDone(emitted, Effect.void)
        return emit(event, ...args)
      }) as typeof server.emit
    }))

const text = (url: string) =>
  Effect.promise(() => fetch(url).then((response) => response.text())).pipe(
    Effect.timeoutFail({ duration: Duration.seconds(5), onTimeout: () => new Error("no answer within 5 s") })
  )

describe("requests that arrive before the server's handler", () => {
  it.live("are held, and answered by the handler once it is attached; later ones go straight to it, each answered once", () =>
    Effect.gen(function*() {
      const server = Http.createServer()
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      const early = EarlyRequests.hold(server)
      const arrived = yield* firstRequestEmitted(server)
      const url = yield* listening(server)
      // Listening, no handler yet: the gap @effect/platform-node leaves between listen and serve.
      const first = yield* Effect.fork(text(url))
      yield* Deferred.await(arrived)
      let handled = 0
      server.on("request", (_request, response) => response.end(`answer ${++handled}`))
      yield* early.release
      expect(yield* first.await.pipe(Effect.flatten)).toBe("answer 1")
      expect(yield* text(url)).toBe("answer 2")
      expect(handled).toBe(2)
    }).pipe(Effect.scoped))
})
