/** The default query limits over HTTP: real clients' documents pass; abusive ones are refused with 400 before any resolver runs. */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { adminToken, graphql } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const messages = (response: { readonly errors?: ReadonlyArray<{ readonly message: string }> }) =>
  (response.errors ?? []).map((error) => error.message).join(" ")

describe("query limits over HTTP", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("a full page of users with roles and grants passes the defaults", () =>
      Effect.gen(function*() {
        const response = yield* graphql(`{ users(first: 100) { totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { accessKey email name createdAt role { code name }
            permissions { resource action isConditional scope } effectivePermissions { resource action isConditional scope } } } } }`,
        {}, yield* adminToken)
        expect(response.errors).toBeUndefined()
        expect(response.status).toBe(200)
      }))

    it.effect("more aliases than GRAPHQL_MAX_ALIASES (15) is refused with 400", () =>
      Effect.gen(function*() {
        const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: me { accessKey }`).join(" ")
        const response = yield* graphql(`{ ${aliases} }`, {}, yield* adminToken)
        expect(response.status).toBe(400)
        expect(messages(response)).toMatch(/aliases/i)
      }))

    it.effect("a document past GRAPHQL_MAX_TOKENS (2,000) is refused with 400 while parsing", () =>
      Effect.gen(function*() {
        const response = yield* graphql(`{ me { ${"accessKey ".repeat(2100)} } }`, {}, yield* adminToken)
        expect(response.status).toBe(400)
        expect(messages(response)).toMatch(/tokens/i)
      }))
  })
})
