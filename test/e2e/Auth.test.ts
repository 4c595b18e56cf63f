/**
 * The original API's end-to-end scenarios (t10d/kingdom-python-server tests/auth/e2e), over HTTP
 * against the real server on an embedded database. Tests share one server; each uses its own users.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { admin, codes, graphql, mailTo, TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const createUserMutation = `mutation createUser($command: CreateUser!) {
  createUser(command: $command) { status message }
}`
const authenticateMutation = `mutation authenticate($command: Credentials!) {
  authenticate(command: $command) { token { value authType } accessKey email role { code } effectivePermissions { resource action } }
}`
const resetPasswordMutation = `mutation resetPassword($command: SendEmailReset!) {
  resetPassword(command: $command) { status message }
}`
const changePasswordMutation = `mutation changePassword($command: ChangePassword!) {
  changePassword(command: $command) { status message }
}`
const attachUserPermissionsMutation = `mutation attach($command: AttachUserPermissions!) {
  attachUserPermissions(command: $command) { status }
}`
const detachUserPermissionsMutation = `mutation detach($command: DetachUserPermissions!) {
  detachUserPermissions(command: $command) { status }
}`

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const newUser = (prefix = "user") => {
  const accessKey = unique(prefix)
  return { accessKey, email: `${accessKey}@kingdom.test`, name: `Test ${accessKey}`, password: `pw-${randomUUID()}` }
}

const signIn = (accessKey: string, password: string) =>
  Effect.map(graphql(authenticateMutation, { command: { accessKey, password } }), (response) => {
    expect(response.errors).toBeUndefined()
    return response.data!["authenticate"].token.value as string
  })

const adminToken = signIn(admin.accessKey, admin.password)

const createUser = (user: ReturnType<typeof newUser>, token: string) =>
  graphql(createUserMutation, { command: user }, token)

describe("auth over HTTP", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("answers /healthz with a request id", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* TestServer
        const response = yield* Effect.promise(() => fetch(`${baseUrl}/healthz`))
        expect(response.status).toBe(200)
        expect(yield* Effect.promise(() => response.json())).toEqual({ status: "ok" })
        expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
      }))

    it.effect("authenticates the bootstrapped administrator", () =>
      Effect.gen(function*() {
        const response = yield* graphql(authenticateMutation, { command: { accessKey: admin.accessKey, password: admin.password } })
        const authenticated = response.data!["authenticate"]
        expect(authenticated.token.authType).toBe("Bearer")
        expect(authenticated.token.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
        expect(authenticated).toMatchObject({ accessKey: admin.accessKey, email: admin.email, role: { code: "admin" } })
        expect(authenticated.effectivePermissions).toContainEqual({ resource: "user", action: "CREATE" })
        const me = yield* graphql("{ me { accessKey role { code } } }", {}, authenticated.token.value)
        expect(me.data).toEqual({ me: { accessKey: admin.accessKey, role: { code: "admin" } } })
      }))

    it.effect("creates a user with a token, and refuses without one or with a bad one", () =>
      Effect.gen(function*() {
        const user = newUser()
        const anonymous = yield* graphql(createUserMutation, { command: user })
        expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"])
        expect(anonymous.data).toEqual({ createUser: null })
        const forged = yield* createUser(user, "not.a.token")
        expect(codes(forged)).toEqual(["UNAUTHENTICATED"])

        const created = yield* createUser(user, yield* adminToken)
        expect(created.data).toEqual({ createUser: { status: "USER_CREATED", message: `User ${user.accessKey} created` } })
        const found = yield* graphql("query ($key: String!) { user(accessKey: $key) { accessKey email name createdAt role { code } } }", {
          key: user.accessKey
        }, yield* adminToken)
        expect(found.data!["user"]).toMatchObject({ accessKey: user.accessKey, email: user.email, name: user.name, role: null })
        expect(new Date(found.data!["user"].createdAt).toISOString()).toBe(found.data!["user"].createdAt)
      }))

    it.effect("refuses a duplicate access key and an invalid e-mail", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const duplicate = yield* createUser({ ...newUser(), accessKey: admin.accessKey }, token)
        expect(codes(duplicate)).toEqual(["USER_ALREADY_EXISTS"])
        const invalidEmail = yield* createUser({ ...newUser(), email: "test" }, token)
        expect(codes(invalidEmail)).toEqual(["INVALID_EMAIL"])
      }))

    it.effect("answers an unknown user and a wrong password alike", () =>
      Effect.gen(function*() {
        const unknown = yield* graphql(authenticateMutation, { command: { accessKey: unique("nobody"), password: "wrong-password" } })
        const wrong = yield* graphql(authenticateMutation, { command: { accessKey: admin.accessKey, password: "wrong-password" } })
        expect(codes(unknown)).toEqual(["WRONG_CREDENTIALS"])
        expect(codes(wrong)).toEqual(["WRONG_CREDENTIALS"])
        expect(unknown.errors![0]!.message).toBe(wrong.errors![0]!.message)
      }))

    it.effect("resets a password through the mailed token, once", () =>
      Effect.gen(function*() {
        const user = newUser("reset")
        yield* createUser(user, yield* adminToken)

        const forUnknown = yield* graphql(resetPasswordMutation, { command: { accessKey: unique("nobody") } })
        const forKnown = yield* graphql(resetPasswordMutation, { command: { accessKey: user.accessKey } })
        expect(forUnknown.data!["resetPassword"].status).toBe("EMAIL_RESET_PWD_SENT")
        expect(forKnown.data).toEqual(forUnknown.data)

        // The welcome mail, then the reset link.
        const mail = (yield* mailTo(user.email, 2)).filter((mail) => mail.subject === "Reset your password")
        expect(mail).toHaveLength(1)
        const link = /https?:\/\/\S+/.exec(mail[0]!.text)![0]
        const token = new URL(link).searchParams.get("token")!
        const newPassword = `new-${randomUUID()}`

        const changed = yield* graphql(changePasswordMutation, { command: { token, newPassword } })
        expect(changed.data).toEqual({ changePassword: { status: "PWD_CHANGED", message: "Password changed" } })
        yield* signIn(user.accessKey, newPassword)
        const oldPassword = yield* graphql(authenticateMutation, { command: { accessKey: user.accessKey, password: user.password } })
        expect(codes(oldPassword)).toEqual(["WRONG_CREDENTIALS"])

        const reused = yield* graphql(changePasswordMutation, { command: { token, newPassword: `again-${randomUUID()}` } })
        expect(codes(reused)).toEqual(["INVALID_TOKEN"])
        const invented = yield* graphql(changePasswordMutation, { command: { token: "invalid_token", newPassword } })
        expect(codes(invented)).toEqual(["INVALID_TOKEN"])
      }))

    it.effect("a detached permission is refused from the next request, and allowed again once re-attached", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const operator = newUser("operator")
        yield* createUser(operator, token)
        const grant = { accessKey: operator.accessKey, permissions: [{ resource: "user", action: "CREATE", isConditional: false }] }
        expect((yield* graphql(attachUserPermissionsMutation, { command: grant }, token)).data)
          .toEqual({ attachUserPermissions: { status: "PERMISSIONS_ATTACHED" } })
        const operatorToken = yield* signIn(operator.accessKey, operator.password)
        expect(codes(yield* createUser(newUser(), operatorToken))).toEqual([])

        expect((yield* graphql(detachUserPermissionsMutation, { command: grant }, token)).data)
          .toEqual({ detachUserPermissions: { status: "PERMISSIONS_DETACHED" } })
        // The same token: grants are read from the database on every request.
        const refused = yield* createUser(newUser(), operatorToken)
        expect(codes(refused)).toEqual(["FORBIDDEN"])
        expect(refused.data).toEqual({ createUser: null })

        yield* graphql(attachUserPermissionsMutation, { command: grant }, token)
        expect((yield* createUser(newUser(), operatorToken)).data!["createUser"].status).toBe("USER_CREATED")
      }))

    it.effect("creates a role, gives it to a user, and shows the effective permissions", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const code = unique("auditor")
        const user = newUser("audited")
        yield* createUser(user, token)
        const created = yield* graphql(`mutation ($command: CreateRole!) { createRole(command: $command) { status } }`, {
          command: { code, name: "Auditor", permissions: [{ resource: "user", action: "LIST", isConditional: false }] }
        }, token)
        expect(created.data).toEqual({ createRole: { status: "ROLE_CREATED" } })
        const duplicate = yield* graphql(`mutation ($command: CreateRole!) { createRole(command: $command) { status } }`, {
          command: { code, name: "Auditor again" }
        }, token)
        expect(codes(duplicate)).toEqual(["ROLE_ALREADY_EXISTS"])

        const set = yield* graphql(`mutation ($command: SetUserRole!) { setUserRole(command: $command) { status } }`, {
          command: { userAccessKey: user.accessKey, roleCode: code }
        }, token)
        expect(set.data).toEqual({ setUserRole: { status: "USER_ROLE_SET" } })
        const found = yield* graphql("query ($key: String!) { user(accessKey: $key) { role { code name } permissions { action } effectivePermissions { resource action isConditional } } }", {
          key: user.accessKey
        }, token)
        expect(found.data!["user"]).toEqual({
          role: { code, name: "Auditor" },
          permissions: [],
          effectivePermissions: [{ resource: "user", action: "LIST", isConditional: false }]
        })
        const missingRole = yield* graphql(`mutation ($command: SetUserRole!) { setUserRole(command: $command) { status } }`, {
          command: { userAccessKey: user.accessKey, roleCode: unique("missing") }
        }, token)
        expect(codes(missingRole)).toEqual(["ROLE_NOT_FOUND"])
      }))

    it.effect("refuses input outside the rules as BAD_USER_INPUT", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const tooMany = yield* graphql("{ users(first: 101) { nodes { accessKey } } }", {}, token)
        expect(codes(tooMany)).toEqual(["BAD_USER_INPUT"])
        const notInCatalogue = yield* graphql(attachUserPermissionsMutation, {
          command: { accessKey: admin.accessKey, permissions: [{ resource: "permission", action: "DELETE", isConditional: true, scope: ["*"] }] }
        }, token)
        expect(codes(notInCatalogue)).toEqual(["BAD_USER_INPUT"])
      }))
  })
})
