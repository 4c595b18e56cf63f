import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Redacted, TestClock } from "effect"
import { Authenticator } from "../../../src/access/Authenticator.js"
import * as Grant from "../../../src/access/Grant.js"
import * as Policy from "../../../src/access/Policy.js"
import { SentMail } from "../../../src/auth/adapters/memory/MailerMemory.js"
import * as Actor from "../../../src/auth/Actor.js"
import * as Commands from "../../../src/auth/Commands.js"
import { dispatch } from "../../../src/auth/handlers/Handlers.js"
import { UserRepository } from "../../../src/auth/ports/UserRepository.js"
import { TokenIssuer } from "../../../src/auth/ports/TokenIssuer.js"
import * as Queries from "../../../src/auth/Queries.js"
import * as TestLayers from "../../support/TestLayers.js"

const password = Redacted.make("correct horse battery")
const createAlice = new Commands.CreateUser({ accessKey: "alice", email: "alice@example.com", name: "Alice", password })
const userGet = { resource: "user", action: "GET", isConditional: false, scope: [] } as const
const userUpdateOf = (...scope: ReadonlyArray<string>) => ({ resource: "user", action: "UPDATE", isConditional: true, scope }) as const

/** The tag of the expected (typed) failure, or undefined when the program succeeded or died. */
const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (error) => error._tag)) : undefined

/** The principal a fresh sign-in of `user` resolves to, as the edge would find it. */
const signedIn = (user: Commands.CreateUser) =>
  dispatch(new Commands.Authenticate({ accessKey: user.accessKey, password: user.password })).pipe(
    Effect.flatMap(({ token }) => Effect.flatMap(Authenticator, (authenticator) => authenticator.principal(token.access.value)))
  )

describe("auth handlers on in-memory adapters", () => {
  it.effect("createUser stores the user and refuses a duplicate access key", () =>
    Effect.gen(function*() {
      const user = yield* dispatch(createAlice)
      expect(user.accessKey).toBe("alice")
      expect(user.passwordHash).not.toBe("correct horse battery")
      expect(failureTag(yield* Effect.exit(dispatch(createAlice)))).toBe("UserAlreadyExists")
      expect(yield* Effect.flatMap(UserRepository, (users) => users.count({}))).toBe(1)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("createUser refuses an invalid e-mail before hashing", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(dispatch(new Commands.CreateUser({ ...createAlice, email: "test" })))
      expect(failureTag(exit)).toBe("InvalidEmail")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("authenticate answers WrongCredentials for an unknown user and a wrong password alike", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      const unknown = yield* Effect.exit(dispatch(new Commands.Authenticate({ accessKey: "nobody", password })))
      const wrong = yield* Effect.exit(dispatch(new Commands.Authenticate({ accessKey: "alice", password: Redacted.make("wrong password") })))
      expect(failureTag(unknown)).toBe("WrongCredentials")
      expect(failureTag(wrong)).toBe("WrongCredentials")
      const ok = yield* dispatch(new Commands.Authenticate({ accessKey: "alice", password }))
      const claims = yield* Effect.flatMap(TokenIssuer, (tokens) => tokens.verify(ok.token.access.value))
      expect(claims.userId).toBe(ok.user.id)
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("role and user grants: unknown permissions are refused by name, effective grants include the role's", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      yield* dispatch(new Commands.CreateRole({ code: "ops", name: "Operations", permissions: [] }))
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.CreateRole({ code: "ops", name: "Again", permissions: [] }))))).toBe("RoleAlreadyExists")
      const bogus = yield* Effect.exit(dispatch(new Commands.AttachRolePermissions({ code: "ops", permissions: [{ ...userGet, resource: "car" }] })))
      expect(failureTag(bogus)).toBe("UnknownPermissions")
      yield* dispatch(new Commands.AttachRolePermissions({ code: "ops", permissions: [userGet] }))
      yield* dispatch(new Commands.SetUserRole({ userAccessKey: "alice", roleCode: "ops", overridePermissions: false }))
      const view = Option.getOrThrow(yield* Queries.userByAccessKey("alice"))
      expect(view.permissions).toEqual([])
      expect(Option.getOrThrow(yield* signedIn(createAlice)).permissions).toEqual([userGet])
      expect(Option.getOrThrow(yield* Queries.roleByCode("ops")).id).toBe(view.roleId)
      yield* dispatch(new Commands.AttachUserPermissions({ accessKey: "alice", permissions: [userGet] }))
      yield* dispatch(new Commands.DetachRolePermissions({ code: "ops", permissions: [userGet] }))
      yield* dispatch(new Commands.DetachUserPermissions({ accessKey: "alice", permissions: [userGet] }))
      const principal = Option.getOrThrow(yield* signedIn(createAlice))
      expect(principal.permissions).toEqual([])
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.SetUserRole({ userAccessKey: "alice", roleCode: "nope", overridePermissions: false }))))).toBe("RoleNotFound")
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.SetUserRole({ userAccessKey: "nobody", roleCode: "ops", overridePermissions: false }))))).toBe("UserNotFound")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("password reset: the mailed token changes the password once; unknown accounts get no mail", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      yield* dispatch(new Commands.ResetPassword({ accessKey: "nobody" }))
      const sent = yield* SentMail
      yield* dispatch(new Commands.ResetPassword({ accessKey: "alice" }))
      // The welcome mail and the reset link, sent by the auth-mail subscriber after commit; nobody's
      // request is delivered too (it costs what alice's does), and mails nothing.
      expect(yield* sent.get).toEqual([])
      expect(yield* TestLayers.deliver).toBe(3)
      const mails = (yield* sent.get).filter((mail) => mail.subject === "Reset your password")
      expect(mails).toHaveLength(1)
      expect(mails[0]!.to).toBe("alice@example.com")
      const link = new URL(/https:\/\/\S+/.exec(mails[0]!.text)![0])
      expect(link.origin + link.pathname).toBe("https://app.example.test/reset-password")
      const token = Redacted.make(link.searchParams.get("token")!)
      const newPassword = Redacted.make("a brand new passphrase")
      yield* dispatch(new Commands.ChangePassword({ token, newPassword }))
      yield* dispatch(new Commands.Authenticate({ accessKey: "alice", password: newPassword }))
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.ChangePassword({ token, newPassword }))))).toBe("InvalidToken")
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.ChangePassword({ token: Redacted.make("forged"), newPassword }))))).toBe("InvalidToken")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("a password change invalidates reset tokens issued before it", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      yield* dispatch(new Commands.ResetPassword({ accessKey: "alice" }))
      yield* TestLayers.deliver
      yield* TestClock.adjust("1 second")
      yield* dispatch(new Commands.ResetPassword({ accessKey: "alice" }))
      yield* TestLayers.deliver
      yield* TestClock.adjust("1 second")
      const resetMails = (yield* (yield* SentMail).get).filter((mail) => mail.subject === "Reset your password")
      const tokens = resetMails.map((mail) => Redacted.make(new URL(/https:\/\/\S+/.exec(mail.text)![0]).searchParams.get("token")!))
      const newPassword = Redacted.make("another long passphrase")
      yield* dispatch(new Commands.ChangePassword({ token: tokens[1]!, newPassword }))
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.ChangePassword({ token: tokens[0]!, newPassword }))))).toBe("InvalidToken")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("conditional grants: a scope is required, merged on attach and narrowed on detach", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      const attach = (permission: Commands.AttachUserPermissions["permissions"][number]) =>
        dispatch(new Commands.AttachUserPermissions({ accessKey: "alice", permissions: [permission] }))
      expect(failureTag(yield* Effect.exit(attach(userUpdateOf())))).toBe("InvalidInput")
      expect(failureTag(yield* Effect.exit(attach({ ...userGet, scope: ["bob"] })))).toBe("InvalidInput")
      yield* attach(userUpdateOf("bob"))
      yield* attach(userUpdateOf("carol"))
      const grants = () => Effect.map(Queries.userByAccessKey("alice"), (user) => Option.getOrThrow(user).permissions)
      expect(yield* grants()).toEqual([userUpdateOf("bob", "carol")])
      yield* dispatch(new Commands.DetachUserPermissions({ accessKey: "alice", permissions: [userUpdateOf("bob")] }))
      expect(yield* grants()).toEqual([userUpdateOf("carol")])
      yield* dispatch(new Commands.DetachUserPermissions({ accessKey: "alice", permissions: [userUpdateOf("*")] }))
      expect(yield* grants()).toEqual([])
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("deleteRole is refused while a user holds the role; deleteUser removes the account", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      yield* dispatch(new Commands.CreateRole({ code: "ops", name: "Operations", permissions: [] }))
      yield* dispatch(new Commands.SetUserRole({ userAccessKey: "alice", roleCode: "ops", overridePermissions: false }))
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.DeleteRole({ code: "ops" }))))).toBe("RoleInUse")
      yield* dispatch(new Commands.DeleteUser({ accessKey: "alice" }))
      expect(Option.isNone(yield* Queries.userByAccessKey("alice"))).toBe(true)
      yield* dispatch(new Commands.DeleteRole({ code: "ops" }))
      expect(Option.isNone(yield* Queries.roleByCode("ops"))).toBe(true)
      expect(failureTag(yield* Effect.exit(dispatch(new Commands.DeleteUser({ accessKey: "alice" }))))).toBe("UserNotFound")
    }).pipe(Effect.provide(TestLayers.auth())))

  it.effect("a caller hands out only what their own grants reach: grants, revocations and role assignments", () =>
    Effect.gen(function*() {
      yield* dispatch(createAlice)
      yield* dispatch(new Commands.CreateRole({ code: "admins", name: "Admins", permissions: [{ ...userGet, action: "UPDATE" }] }))
      const asCaller = Effect.provideService(Actor.CurrentActor, Actor.caller(Policy.compile([
        Grant.scoped("user", "UPDATE", ["alice"]),
        Grant.scoped("user", "GET", ["alice", "bob"])
      ])))
      const attach = (permission: Commands.AttachUserPermissions["permissions"][number]) =>
        asCaller(dispatch(new Commands.AttachUserPermissions({ accessKey: "alice", permissions: [permission] })))
      // Within reach: GET on alice and bob, UPDATE on alice.
      yield* attach({ ...userGet, isConditional: true, scope: ["bob", "alice"] })
      yield* attach(userUpdateOf("alice"))
      // Beyond it: an unconditional grant, another instance, or '*'.
      for (const permission of [userGet, userUpdateOf("carol"), userUpdateOf("*"), { ...userGet, resource: "role" }]) {
        expect(failureTag(yield* Effect.exit(attach(permission))), JSON.stringify(permission)).toBe("NotGrantable")
      }
      const detachAll = new Commands.DetachUserPermissions({ accessKey: "alice", permissions: [userUpdateOf("*")] })
      expect(failureTag(yield* Effect.exit(asCaller(dispatch(detachAll))))).toBe("NotGrantable")
      const promote = new Commands.SetUserRole({ userAccessKey: "alice", roleCode: "admins", overridePermissions: false })
      expect(failureTag(yield* Effect.exit(asCaller(dispatch(promote))))).toBe("NotGrantable")
      const createRole = new Commands.CreateRole({ code: "mine", name: "Mine", permissions: [userUpdateOf("carol")] })
      expect(failureTag(yield* Effect.exit(asCaller(dispatch(createRole))))).toBe("NotGrantable")
      expect(Option.getOrThrow(yield* Queries.userByAccessKey("alice")).permissions).toEqual([
        { ...userGet, isConditional: true, scope: ["alice", "bob"] },
        userUpdateOf("alice")
      ])
    }).pipe(Effect.provide(TestLayers.auth())))
})
