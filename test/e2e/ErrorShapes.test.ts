/**
 * What an error looks like once the request is a well-formed GraphQL-over-HTTP one: a code for the step
 * that refused it (parse, validation, operation, variables, a limit, a resolver), the status the spec
 * gives each media type (200 for application/json; 400 for application/graphql-response+json when
 * nothing ran), and the request's id in every error, as in the x-request-id header.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { type Answer, errors, graphqlType, jsonType, post } from "../support/HttpProbe.js"
import { adminToken } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

/** The codes of the answer's errors, after checking each carries the header's request id. */
const codes = (answer: Answer) => {
  const id = answer.headers.get("x-request-id")
  expect(id).toBeTruthy()
  for (const error of errors(answer)) expect(error.requestId).toBe(id)
  return errors(answer).map((error) => error.code)
}

/** Request errors: nothing executed, so no `data`; 200 as application/json, 400 as the GraphQL response type. */
const requestErrorIn = (body: unknown, code: string) =>
  Effect.gen(function*() {
    for (const [accept, status] of [[jsonType, 200], [graphqlType, 400]] as const) {
      const answer = yield* post(body, accept)
      expect([accept, answer.status]).toEqual([accept, status])
      // One or more errors (validation reports every mistake), all with this code.
      expect(new Set(codes(answer))).toEqual(new Set([code]))
      expect(answer.json).not.toHaveProperty("data")
    }
    return yield* post(body, graphqlType)
  })

describe("error codes and shapes", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("a syntax error is GRAPHQL_PARSE_FAILED, pointing at where it is", () =>
      Effect.gen(function*() {
        const answer = yield* requestErrorIn({ query: "{ me { accessKey }" }, "GRAPHQL_PARSE_FAILED")
        expect(answer.json.errors[0].locations).toEqual([{ line: 1, column: 19 }])
      }))

    it.effect("a document past GRAPHQL_MAX_TOKENS is GRAPHQL_PARSE_FAILED too (the parser stops)", () =>
      Effect.gen(function*() {
        const answer = yield* requestErrorIn({ query: `{ ${"__typename ".repeat(TestServerLayer.queryLimits.maxTokens)} }` }, "GRAPHQL_PARSE_FAILED")
        expect(answer.json.errors[0].message).toMatch(/tokens/)
      }))

    it.effect("a validation error is GRAPHQL_VALIDATION_FAILED, once per mistake", () =>
      Effect.gen(function*() {
        const answer = yield* requestErrorIn({ query: "{ me { accessKey zzzzzz } qqqqqq }" }, "GRAPHQL_VALIDATION_FAILED")
        expect(answer.json.errors.map((error: { message: string }) => error.message)).toEqual([
          "Cannot query field \"zzzzzz\" on type \"User\".",
          "Cannot query field \"qqqqqq\" on type \"Query\"."
        ])
      }))

    it.effect("a query limit's refusal is GRAPHQL_VALIDATION_FAILED, naming the limit without a 'Syntax Error' label", () =>
      Effect.gen(function*() {
        const { maxAliases, maxDirectives } = TestServerLayer.queryLimits
        const aliases = Array.from({ length: maxAliases + 1 }, (_, i) => `a${i}: me { accessKey }`).join(" ")
        const tooManyAliases = yield* requestErrorIn({ query: `{ ${aliases} }` }, "GRAPHQL_VALIDATION_FAILED")
        expect(tooManyAliases.json.errors[0].message).toMatch(new RegExp(`^Aliases limit of ${maxAliases} exceeded`))
        const directives = "@include(if: true) ".repeat(maxDirectives + 1)
        const tooManyDirectives = yield* requestErrorIn({ query: `{ __typename ${directives}}` }, "GRAPHQL_VALIDATION_FAILED")
        expect(tooManyDirectives.json.errors[0].message).toMatch(new RegExp(`^Directives limit of ${maxDirectives} exceeded`))
      }))

    // PostgreSQL cannot store U+0000; such strings once reached it and came back INTERNAL_SERVER_ERROR.
    it.effect("a string holding U+0000 is refused before anything runs, naming where it is", () =>
      Effect.gen(function*() {
        const literal = yield* requestErrorIn({ query: "{ roles(name: \"a\\u0000b\") { totalCount } }" }, "GRAPHQL_VALIDATION_FAILED")
        expect(literal.json.errors[0]).toMatchObject({ message: "A string may not contain the character U+0000 (NUL)", locations: [{ line: 1, column: 15 }] })
        const document = "mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }"
        const variable = yield* requestErrorIn({ query: document, variables: { command: { accessKey: "admin\u0000", password: "x" } } }, "BAD_USER_INPUT")
        expect(variable.json.errors[0].message).toBe("Variable $command.accessKey may not contain the character U+0000 (NUL)")
        const grant = { resource: "user", action: "GET", isConditional: true, scope: ["a", "\u0000"] }
        const inList = yield* requestErrorIn({
          query: "mutation ($command: CreateRole!) { createRole(command: $command) { status } }",
          variables: { command: { code: "c", name: "n", permissions: [grant] } }
        }, "BAD_USER_INPUT")
        expect(inList.json.errors[0].message).toBe("Variable $command.permissions[0].scope[1] may not contain the character U+0000 (NUL)")
      }))

    it.effect("variables that do not fit their types are BAD_USER_INPUT, before anything runs", () =>
      Effect.gen(function*() {
        const document = "mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }"
        yield* requestErrorIn({ query: document, variables: { command: { accessKey: 5 } } }, "BAD_USER_INPUT")
        yield* requestErrorIn({ query: document, variables: {} }, "BAD_USER_INPUT")
        yield* requestErrorIn({ query: "query ($n: Int) { users(first: $n) { totalCount } }", variables: { n: 1e40 } }, "BAD_USER_INPUT")
      }))

    it.effect("an argument graphql-js cannot coerce while executing is BAD_USER_INPUT, at its field", () =>
      Effect.gen(function*() {
        // A nullable variable with a default may feed a non-null argument; sent as null, it fails only then.
        const query = "query ($k: String = \"admin\") { user(accessKey: $k) { accessKey } }"
        const answer = yield* post({ query, variables: { k: null } }, graphqlType, { authorization: `Bearer ${yield* adminToken}` })
        expect(answer.status).toBe(200)
        expect(codes(answer)).toEqual(["BAD_USER_INPUT"])
        expect(answer.json.errors[0].path).toEqual(["user"])
        expect(answer.json.data).toEqual({ user: null })
      }))

    it.effect("a resolver's error is 200 in either media type, with data, its path and its domain code", () =>
      Effect.gen(function*() {
        for (const accept of [jsonType, graphqlType]) {
          const answer = yield* post({ query: "{ me { accessKey } }" }, accept)
          expect(answer.status).toBe(200)
          expect(answer.json.data).toEqual({ me: null })
          expect(answer.json.errors[0].path).toEqual(["me"])
          expect(codes(answer)).toEqual(["UNAUTHENTICATED"])
        }
      }))

    it.effect("an error's requestId is the x-request-id header, a client's own id included", () =>
      Effect.gen(function*() {
        const own = "client-trace-0001"
        for (const body of [{ query: "{ me { accessKey } }" }, { query: "{ nope }" }, {}]) {
          const answer = yield* post(body, jsonType, { "x-request-id": own })
          expect(answer.headers.get("x-request-id")).toBe(own)
          expect(errors(answer).map((error) => error.requestId)).toEqual([own])
        }
        // An id that could forge log lines is replaced, in the header and the errors alike.
        const forged = yield* post({ query: "{ nope }" }, jsonType, { "x-request-id": "a b\tc" })
        expect(forged.headers.get("x-request-id")).not.toBe("a b\tc")
        codes(forged)
      }))

    it.effect("an admin's valid request answers data and no errors (the shapes above are refusals, not noise)", () =>
      Effect.gen(function*() {
        const answer = yield* post({ query: "{ me { accessKey } }" }, graphqlType, { authorization: `Bearer ${yield* adminToken}` })
        expect(answer.status).toBe(200)
        expect(answer.json).toEqual({ data: { me: { accessKey: "admin" } } })
      }))
  })
})
