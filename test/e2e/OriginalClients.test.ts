/**
 * A client written for the original (t10d/kingdom-python-server) runs unchanged: its documents, copied
 * verbatim from its tests/auth/e2e/queries, declare `$command` nullable where its schema declares the
 * argument so, and are replayed here over HTTP. A null or missing command is the client's error.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { randomKey } from "../support/RandomRefs.js"
import { admin, adminToken, failures, graphql, mailTo, newUser } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

// Verbatim: login_user.graphql, create_user.graphql, reset_pwd.graphql, change_pwd.graphql.
const loginUser = `mutation authenticate($command: Credentials) {
    authenticate(command: $command){
        accessKey
        token {
            value
            authType
        }
        name
        email
        createdAt
        role {
            code
            name
        }
        permissions {
            action
            resource
            isConditional
        }
    }
}`
const createUser = `mutation createUser($command: CreateUser) {
    createUser(command: $command){
        status
        message
    }
}`
const resetPwd = `mutation resetPassword($command: SendEmailReset) {
    resetPassword(command: $command){
        status
        message
    }
}`
const changePwd = `mutation changePassword($command: ChangePassword) {
    changePassword(command: $command){
        status
        message
    }
}`
// Verbatim from permission.graphql (which the original sends whole, picking one by operationName).
const createRole = `mutation createRole($command: CreateRole!){
    createRole(command: $command) {
        status
        message
    }
}`
const setUserRole = `mutation setUserRole($command: SetUserRole!) {
    setUserRole(command: $command) {
        status
        message
    }
}`

/** The original's CreateRole.permissions is `[PermissionInput]`: a client may type its list variable so. */
const createRoleFromParts = `mutation createRole($code: String!, $name: String!, $permissions: [PermissionInput]) {
    createRole(command: {code: $code, name: $name, permissions: $permissions}) {
        status
        message
    }
}`

const signIn = (accessKey: string, password: string) =>
  Effect.map(graphql(loginUser, { command: { accessKey, password } }), (response) => {
    expect(response.errors).toBeUndefined()
    return response.data!["authenticate"]
  })

describe("the original's client documents", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("sign in with the original's authenticate document", () =>
      Effect.gen(function*() {
        const signedIn = yield* signIn(admin.accessKey, admin.password)
        expect(signedIn).toMatchObject({ accessKey: admin.accessKey, email: admin.email, role: { code: "admin" }, token: { authType: "Bearer" } })
        expect(signedIn.token.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
      }))

    it.effect("create a user, give them a role, and sign them in with the original's documents", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const user = newUser("original")
        const created = yield* graphql(createUser, { command: user }, token)
        expect(created).toMatchObject({ data: { createUser: { status: "USER_CREATED" } } })
        expect(created.errors).toBeUndefined()

        const code = randomKey("original-role")
        const grant = { resource: "user", action: "LIST", isConditional: false }
        const role = yield* graphql(createRole, { command: { code, name: "Original", permissions: [grant] } }, token)
        expect(role.data).toMatchObject({ createRole: { status: "ROLE_CREATED" } })
        const set = yield* graphql(setUserRole, { command: { userAccessKey: user.accessKey, roleCode: code, overridePermissions: true } }, token)
        expect(set.data).toMatchObject({ setUserRole: { status: "USER_ROLE_SET" } })

        const signedIn = yield* signIn(user.accessKey, user.password)
        expect(signedIn).toMatchObject({ accessKey: user.accessKey, email: user.email, name: user.name, role: { code, name: "Original" } })
        expect(signedIn.permissions).toEqual([grant])
      }))

    it.effect("reset and change a password with the original's documents", () =>
      Effect.gen(function*() {
        const user = newUser("original-reset")
        yield* graphql(createUser, { command: user }, yield* adminToken)
        const reset = yield* graphql(resetPwd, { command: { accessKey: user.accessKey } })
        expect(reset.data).toMatchObject({ resetPassword: { status: "EMAIL_RESET_PWD_SENT" } })

        // The welcome mail, then the reset link.
        const [mail] = (yield* mailTo(user.email, 2)).filter((mail) => mail.subject === "Reset your password")
        const secret = new URL(/https?:\/\/\S+/.exec(mail!.text)![0]).searchParams.get("token")
        const newPassword = `new-${randomUUID()}`
        const changed = yield* graphql(changePwd, { command: { token: secret, newPassword } })
        expect(changed.data).toMatchObject({ changePassword: { status: "PWD_CHANGED" } })
        expect((yield* signIn(user.accessKey, newPassword)).accessKey).toBe(user.accessKey)
      }))

    it.effect("a null or missing command answers BAD_USER_INPUT at its field, saying that command is required", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const documents = { authenticate: loginUser, createUser, resetPassword: resetPwd, changePassword: changePwd }
        for (const [field, document] of Object.entries(documents)) {
          for (const variables of [{ command: null }, {}]) {
            const answer = yield* graphql(document, variables, token)
            expect([field, variables, failures(answer), answer.data]).toEqual([
              field,
              variables,
              { codes: ["BAD_USER_INPUT"], messages: ["command is required"] },
              { [field]: null }
            ])
          }
        }
        // Written into the document rather than passed as a variable, too.
        for (const document of ["mutation { authenticate(command: null) { accessKey } }", "mutation { authenticate { accessKey } }"]) {
          expect(failures(yield* graphql(document))).toEqual({ codes: ["BAD_USER_INPUT"], messages: ["command is required"] })
        }
      }))

    it.effect("create a role from a list variable typed [PermissionInput], as the original's schema allows; a null item is BAD_USER_INPUT", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const grant = { resource: "role", action: "GET", isConditional: false }
        const created = yield* graphql(createRoleFromParts, { code: randomKey("listed"), name: "Listed", permissions: [grant] }, token)
        expect(created.errors).toBeUndefined()
        expect(created.data).toMatchObject({ createRole: { status: "ROLE_CREATED" } })
        const nullItem = yield* graphql(createRoleFromParts, { code: randomKey("listed"), name: "Listed", permissions: [null] }, token)
        expect(failures(nullItem).codes).toEqual(["BAD_USER_INPUT"])
        expect(nullItem.data).toEqual({ createRole: null })
      }))
  })
})
