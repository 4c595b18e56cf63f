/**
 * Reads a request body, at most `maxBytes` of it. @effect/platform's reader destroys the socket
 * when a body runs past its limit, so the client sees a reset instead of an answer; this one stops
 * reading and reports the body too large, and the route answers 413 and closes the connection.
 */
import type * as Http from "node:http"

export type Read =
  | { readonly _tag: "Body"; readonly text: string }
  | { readonly _tag: "BodyTooLarge" }
  | { readonly _tag: "BodyUnreadable"; readonly cause: unknown }

export const read = (source: Http.IncomingMessage, maxBytes: number): Promise<Read> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const stop = (result: Read) => {
      source.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose)
      // The rest is never read: the answer closes the connection.
      source.pause()
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > maxBytes) return stop({ _tag: "BodyTooLarge" })
      chunks.push(chunk)
    }
    const onEnd = () => stop({ _tag: "Body", text: Buffer.concat(chunks).toString("utf8") })
    const onError = (cause: unknown) => stop({ _tag: "BodyUnreadable", cause })
    // Closed before its end: the client left mid-body (the route sees the connection gone).
    const onClose = () => stop({ _tag: "BodyUnreadable", cause: new Error("the connection closed before the body ended") })
    source.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose)
  })
