/**
 * Sets the request's remote address to its client's (ProxyTrust.ts): the socket's peer, or the
 * address a trusted proxy forwarded. Everything after it (rate limits, logs) reads `remoteAddress`.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, Option } from "effect"
import * as ProxyTrust from "../kernel/ProxyTrust.js"

export const middleware = (trust: ProxyTrust.ProxyTrust) => {
  const resolve = ProxyTrust.resolver(trust)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const client = resolve(Option.getOrUndefined(request.remoteAddress), request.headers["x-forwarded-for"])
      return client === undefined ? app : Effect.provideService(app, HttpServerRequest.HttpServerRequest, request.modify({ remoteAddress: client }))
    })
}
