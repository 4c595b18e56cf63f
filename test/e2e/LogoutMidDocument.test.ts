/**
 * `logout` inside a mutation document over HTTP: the fields after it run without a caller, so every
 * guarded field (@authenticated, @needsPermission, of any module) answers UNAUTHENTICATED and changes
 * nothing, while the fields before it and the logout itself succeed. Each document is sent twice, so
 * that the second run takes the compiled path of a cached document (Compiled.ts) as well.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomKey } from "../support/RandomRefs.js"
import { adminToken, codes, commandOk, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const unconditional = (resource: string, action: string) => ({ resource, action, isConditional: false })

/** A fresh user who may create roles and organisations; signs in anew for every session a test needs. */
const creator = (token: string) =>
  Effect.gen(function*() {
    const user = newUser("creator")
    yield* commandOk("createUser", "CreateUser", user, token)
    const permissions = [unconditional("role", "CREATE"), unconditional("organisation", "CREATE")]
    yield* commandOk("attachUserPermissions", "AttachUserPermissions", { accessKey: user.accessKey, permissions }, token)
    return { ...user, session: signIn(user.accessKey, user.password) }
  })

const roleExists = (code: string, token: string) =>
  Effect.map(graphql("query ($code: String!) { role(code: $code) { code } }", { code }, token), (response) => response.data!["role"] !== null)

const organisationExists = (slug: string, token: string) =>
  Effect.map(graphql("query ($slug: String!) { organisation(slug: $slug) { slug } }", { slug }, token), (response) => response.data!["organisation"] !== null)

const role = (code: string) => ({ code, name: `Role ${code}` })

describe("logout inside a mutation document", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("refuses every guarded field after a successful logout, and runs the ones before it", () =>
      Effect.gen(function*() {
        const admin = yield* adminToken
        const { session } = yield* creator(admin)
        const document = `mutation ($before: CreateRole!, $after: CreateRole!, $organisation: CreateOrganisation!) {
          before: createRole(command: $before) { status }
          logout { status }
          after: createRole(command: $after) { status }
          createOrganisation(command: $organisation) { slug }
          again: logout { status }
        }`
        for (const run of ["interpreted", "compiled"]) {
          const [before, after, slug] = [randomKey("before"), randomKey("after"), randomKey("org")]
          const response = yield* graphql(document, { before: role(before), after: role(after), organisation: { slug, name: slug } }, yield* session)
          expect(response.data, run).toEqual({
            before: { status: "ROLE_CREATED" },
            logout: { status: "LOGGED_OUT" },
            after: null,
            createOrganisation: null,
            again: null
          })
          expect(codes(response), run).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"])
          expect(yield* roleExists(before, admin), run).toBe(true)
          expect(yield* roleExists(after, admin), run).toBe(false)
          expect(yield* organisationExists(slug, admin), run).toBe(false)
        }
      }))

    it.effect("lets public fields after the logout run, and leaves the user's other sessions signed in", () =>
      Effect.gen(function*() {
        const admin = yield* adminToken
        const user = yield* creator(admin)
        const [ending, other] = [yield* user.session, yield* user.session]
        const response = yield* graphql(
          `mutation ($credentials: Credentials!) { logout { status } authenticate(command: $credentials) { accessKey } }`,
          { credentials: { accessKey: user.accessKey, password: user.password } },
          ending
        )
        expect(response.errors).toBeUndefined()
        expect(response.data).toEqual({ logout: { status: "LOGGED_OUT" }, authenticate: { accessKey: user.accessKey } })
        const code = randomKey("other")
        expect((yield* graphql(`mutation ($c: CreateRole!) { createRole(command: $c) { status } }`, { c: role(code) }, other)).errors).toBeUndefined()
        expect(yield* roleExists(code, admin)).toBe(true)
      }))
  })
})
