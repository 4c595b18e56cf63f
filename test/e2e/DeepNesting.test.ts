/**
 * Client input nested thousands of levels deep, over HTTP: variables (POST and GET), a bearer token's
 * header, a document's literals. A declared variable nested deeper than GRAPHQL_MAX_DEPTH is refused
 * before anything walks it (BAD_USER_INPUT, no data, 400 as the GraphQL response type); an
 * undeclared one is never read, so the operation runs as if it were absent. None ends in a stack
 * overflow's INTERNAL_SERVER_ERROR. Variables as deep as their declared types go still run.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Encoding } from "effect"
import { type Answer, errors, graphqlType, jsonType, post, send } from "../support/HttpProbe.js"
import { randomKey } from "../support/RandomRefs.js"
import { adminToken, commandOk, queryLimits } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

/** JSON text of lists nested `depth` levels deep (JSON.stringify itself overflows on such values). */
const deepList = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
/** JSON text of objects nested `depth` levels deep, each `{"a": …}`, a string at the bottom. */
const deepObject = (depth: number) => `${"{\"a\":".repeat(depth)}"x"${"}".repeat(depth)}`

/**
 * A GET with `variables` as JSON text, left as it is in the URL (brackets and braces need no escape
 * there; URLSearchParams would triple their length).
 */
const get = (query: string, variables: string, accept: string) =>
  send(`/graphql?query=${encodeURIComponent(query)}&variables=${variables.replaceAll("\"", "%22")}`, { headers: { accept } })

/** A POST body with `variables` given as JSON text. */
const body = (query: string, variables: string) => `{"query":${JSON.stringify(query)},"variables":${variables}}`

const rolesByName = "query ($name: String) { roles(name: $name) { totalCount } }"
const signInWith = "mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }"
const typename = "{ __typename }"

/** A POST and its 200-for-application/json twin refused as BAD_USER_INPUT before anything ran. */
const expectRefused = (send: (accept: string) => Effect.Effect<Answer, never, TestServerLayer.TestServer>) =>
  Effect.gen(function*() {
    for (const [accept, status] of [[graphqlType, 400], [jsonType, 200]] as const) {
      const answer = yield* send(accept)
      expect([accept, answer.status, errors(answer).map((error) => error.code)]).toEqual([accept, status, ["BAD_USER_INPUT"]])
      expect(answer.json).not.toHaveProperty("data")
      expect(errors(answer)[0]!.message).toMatch(new RegExp(`^Variable \\$\\w+ is nested deeper than ${queryLimits.maxDepth} levels \\(GRAPHQL_MAX_DEPTH\\)$`))
    }
  })

const expectTypename = (answer: Answer) => {
  expect([answer.status, answer.json]).toEqual([200, { data: { __typename: "Query" } }])
}

// GET's variables travel in the URL, which Node caps (with the headers) at 16 KiB.
const getDepth = 7_000
const postDepth = 9_000

describe("deeply nested input over HTTP", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("a declared variable nested 9,000 levels deep is refused as BAD_USER_INPUT, by POST", () =>
      Effect.gen(function*() {
        for (const deep of [deepList(postDepth), deepObject(postDepth)]) {
          yield* expectRefused((accept) => post(body(rolesByName, `{"name":${deep}}`), accept))
          // An input type, the nesting in one of its fields, and in the variable itself.
          yield* expectRefused((accept) => post(body(signInWith, `{"command":{"accessKey":${deep},"password":"x"}}`), accept))
          yield* expectRefused((accept) => post(body(signInWith, `{"command":${deep}}`), accept))
        }
      }))

    it.effect("a declared variable nested 7,000 levels deep is refused as BAD_USER_INPUT, by GET", () =>
      Effect.gen(function*() {
        // Objects take longer to write in a URL: fewer levels of them fit.
        for (const deep of [deepList(getDepth), deepObject(1_500)]) {
          yield* expectRefused((accept) => get(rolesByName, `{"name":${deep}}`, accept))
        }
      }))

    it.effect("an undeclared variable is not read, however deep: the operation runs", () =>
      Effect.gen(function*() {
        const authorization = `Bearer ${yield* adminToken}`
        for (const deep of [deepList(postDepth), deepObject(postDepth)]) {
          expectTypename(yield* post(body(typename, `{"deep":${deep}}`), graphqlType))
          const declared = yield* post(body(rolesByName, `{"name":"no-such-role","deep":${deep}}`), graphqlType, { authorization })
          expect([declared.status, declared.json]).toEqual([200, { data: { roles: { totalCount: 0 } } }])
        }
        expectTypename(yield* get(typename, `{"deep":${deepList(getDepth)}}`, graphqlType))
        // Nor checked for U+0000, which only the database would mind.
        expectTypename(yield* post(body(typename, `{"unused":"a\\u0000b"}`), graphqlType))
      }))

    it.effect("a bearer token whose header nests 5,000 levels deep is refused as UNAUTHENTICATED", () =>
      Effect.gen(function*() {
        // As deep as fits in Node's 16 KiB of headers once in base64url.
        const header = Encoding.encodeBase64Url(`{"alg":"HS256","typ":"at+jwt","kid":${deepList(5_000)}}`)
        const answer = yield* post({ query: "{ me { accessKey } }" }, graphqlType, { authorization: `Bearer ${header}.e30.c2ln` })
        expect([answer.status, errors(answer).map((error) => error.code)]).toEqual([200, ["UNAUTHENTICATED"]])
      }))

    it.effect("a literal nested as deep as GRAPHQL_MAX_TOKENS lets a document go is refused as a request error", () =>
      Effect.gen(function*() {
        const depth = queryLimits.maxTokens / 2 - 10
        const answer = yield* post({ query: `{ roles(name: ${deepList(depth)}) { totalCount } }` }, graphqlType)
        expect([answer.status, errors(answer).map((error) => error.code)]).toEqual([400, ["GRAPHQL_VALIDATION_FAILED"]])
      }))

    it.effect("variables as deep as their declared types still run", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const code = randomKey("deep")
        // CreateRole → permissions list → PermissionInput → scope list: four levels.
        const status = yield* commandOk("createRole", "CreateRole", {
          code,
          name: "Deep enough",
          permissions: [{ resource: "user", action: "GET", isConditional: true, scope: ["someone"] }]
        }, token)
        expect(status).toBe("ROLE_CREATED")
      }))
  })
})
