/**
 * A request id per HTTP request: on every log line written while serving it (`requestId`
 * annotation) and in the `x-request-id` response header, so a client's report finds the server's logs.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Context, Effect } from "effect"
import { randomUUID } from "node:crypto"

export class RequestId extends Context.Tag("http/RequestId")<RequestId, string>() {}

export const header = "x-request-id"

/** A proxy's id is kept so logs correlate across hops; anything that could forge log lines is replaced. */
const safeId = /^[A-Za-z0-9._:-]{8,128}$/

export const middleware = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, Exclude<R, RequestId>> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers[header]
    const id = incoming !== undefined && safeId.test(incoming) ? incoming : randomUUID()
    const response = yield* app.pipe(Effect.provideService(RequestId, id), Effect.annotateLogs("requestId", id))
    return HttpServerResponse.setHeader(response, header, id)
  })
