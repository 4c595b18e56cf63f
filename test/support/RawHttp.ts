/**
 * HTTP at the level graceful shutdown happens at: one connection per request (no keep-alive pool to
 * hide which connection did what), the moment a request was fully sent, plain TCP connects, and a
 * client that sends part of a request and then nothing.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import * as Net from "node:net"

export interface RawAnswer {
  readonly status: number
  readonly body: string
  /** Date.now() when the whole answer had arrived. */
  readonly at: number
}

export interface InFlight {
  /** Resolves once the request, body included, has been handed to the connection. */
  readonly sent: Promise<void>
  /** The answer, or the connection error ("socket hang up", ECONNRESET) as a rejection. */
  readonly answer: Promise<RawAnswer>
}

/**
 * POSTs a GraphQL operation and lets the caller watch it go: on a connection of its own, or on
 * `agent`'s (a keep-alive agent reuses one connection for request after request).
 */
export interface PostOptions {
  readonly token?: string
  readonly agent?: Http.Agent
  /** Sent as x-request-id, to find the server's log line for the request. */
  readonly requestId?: string
  /** Aborting destroys the connection, as a client that gives up does. */
  readonly signal?: AbortSignal
  /** Announce the whole body but send only its first half: a request still being received. */
  readonly partial?: boolean
}

export const postGraphql = (port: number, query: string, variables: Record<string, unknown>, options: PostOptions = {}): InFlight => {
  const body = JSON.stringify({ query, variables })
  let sent!: () => void
  const sentPromise = new Promise<void>((resolve) => (sent = resolve))
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const request = Http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/graphql",
      agent: options.agent ?? false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        "content-length": Buffer.byteLength(body),
        ...(options.requestId === undefined ? {} : { "x-request-id": options.requestId }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` })
      }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text, at: Date.now() }))
      response.on("error", reject)
    })
    request.on("error", reject)
    if (options.partial === true) request.write(body.slice(0, body.length >> 1), () => sent())
    else request.end(body, () => sent())
  })
  return { sent: sentPromise, answer }
}

/** Whether a new TCP connection to the port is accepted or refused right now. */
export const tryConnect = (port: number) =>
  Effect.async<"accepted" | "refused" | "other">((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("accepted"))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code === "ECONNREFUSED" ? "refused" : "other")))
  })

export interface StalledRequest {
  /** Resolves when the server has closed the connection, with what it had sent on it by then. */
  readonly closed: Promise<{ readonly received: string; readonly at: number }>
}

/** Announces a 100-byte JSON body and sends 10 bytes of it, then nothing: a request that never finishes. */
export const stalledRequest = (port: number) =>
  Effect.async<StalledRequest>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => (received += chunk))
    // The error (ECONNRESET when the server destroys the socket) is followed by close; close is what is awaited.
    socket.on("error", () => {})
    const closed = new Promise<{ received: string; at: number }>((resolve) => socket.once("close", () => resolve({ received, at: Date.now() })))
    socket.once("connect", () => {
      const head = "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
      socket.write(head + `{"query":`, () => resume(Effect.succeed({ closed })))
    })
  })
