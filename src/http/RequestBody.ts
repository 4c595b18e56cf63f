/**
 * Reads a request body, at most `maxBytes` of it. @effect/platform's reader destroys the socket
 * when a body runs past its limit, so the client sees a reset instead of an answer; this one stops
 * reading and reports the body too large, and the route answers 413 and closes the connection.
 */
import type { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Data, Effect } from "effect"

export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly maxBytes: number }> {}

export class BodyUnreadable extends Data.TaggedError("BodyUnreadable")<{ readonly cause: unknown }> {}

export const read = (request: HttpServerRequest.HttpServerRequest, maxBytes: number): Effect.Effect<string, BodyTooLarge | BodyUnreadable> =>
  Effect.async((resume) => {
    const source = NodeHttpServerRequest.toIncomingMessage(request)
    const chunks: Array<Buffer> = []
    let bytes = 0
    const stop = () => {
      source.off("data", onData).off("end", onEnd).off("error", onError)
      // The rest is never read: the answer closes the connection.
      source.pause()
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > maxBytes) {
        stop()
        return resume(Effect.fail(new BodyTooLarge({ maxBytes })))
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      stop()
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    }
    const onError = (cause: unknown) => {
      stop()
      resume(Effect.fail(new BodyUnreadable({ cause })))
    }
    source.on("data", onData).on("end", onEnd).on("error", onError)
    return Effect.sync(stop)
  })
