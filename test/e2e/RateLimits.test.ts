/**
 * The rate limits on sign-in and password reset over real HTTP, each rule provoked by the hostile
 * requests it is there for, on servers with small limits. Clients are told apart by X-Forwarded-For
 * from a trusted proxy (the test's own socket, 127.0.0.1), as behind a load balancer.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Metric } from "effect"
import { randomUUID } from "node:crypto"
import type { ThrottleSettings } from "../../src/auth/Throttle.js"
import * as Throttle from "../../src/auth/Throttle.js"
import * as ProxyTrust from "../../src/kernel/ProxyTrust.js"
import * as ShiftedClock from "../support/ShiftedClock.js"
import { admin, codes, commandOk, graphql, type GraphQLResponse, mailTo, newUser } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const limits: ThrottleSettings = {
  perAddress: { limit: 10, window: Duration.minutes(1) },
  signIn: { limit: 8, window: Duration.minutes(1) },
  resetPassword: { limit: 2, window: Duration.minutes(15) },
  changePassword: { limit: 3, window: Duration.minutes(15) },
  backoff: { freeFailures: 2, accountFreeFailures: 4, base: Duration.seconds(1), max: Duration.seconds(4), forgetAfter: Duration.hours(1) },
  knownAddressTtl: Duration.days(30)
}

/** A client address no other request in this file uses. */
let clients = 0
const newAddress = () => {
  clients += 1
  return `198.18.${Math.floor(clients / 250)}.${(clients % 250) + 1}`
}

const from = (address: string) => ({ "x-forwarded-for": address })

const authenticate = (accessKey: string, password: string, address: string) =>
  graphql(`mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }`, { command: { accessKey, password } }, undefined, from(address))

const resetPassword = (accessKey: string, address: string) =>
  graphql(`mutation ($command: SendEmailReset!) { resetPassword(command: $command) { status message } }`, { command: { accessKey } }, undefined, from(address))

const changePassword = (token: string, newPassword: string, address: string) =>
  graphql(`mutation ($command: ChangePassword!) { changePassword(command: $command) { status } }`, { command: { token, newPassword } }, undefined, from(address))

const retryAfter = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.retryAfter

/** Refused as RATE_LIMITED, with a wait in whole seconds. */
const expectRefused = (response: GraphQLResponse) => {
  expect(codes(response)).toEqual(["RATE_LIMITED"])
  expect(Number.isInteger(retryAfter(response)) && retryAfter(response)! >= 1).toBe(true)
  expect(response.errors![0]!.message).toBe(`Too many attempts; try again in ${retryAfter(response)} seconds`)
}

const refusals = (limit: string, mutation: string) =>
  Effect.map(Metric.value(Throttle.refusals(limit, mutation)), (state) => state.count)

/** An account made by the administrator, who signs in from an address of its own. */
const adminAddress = newAddress()
const createdUser = (prefix: string) =>
  Effect.gen(function*() {
    const signedIn = yield* authenticate(admin.accessKey, admin.password, adminAddress)
    const user = newUser(prefix)
    yield* commandOk("createUser", "CreateUser", user, signedIn.data!["authenticate"].token.value)
    return user
  })

const resetToken = (email: string, count: number) =>
  Effect.map(mailTo(email, count), (mails) => {
    const resets = mails.filter((mail) => mail.subject === "Reset your password")
    return new URL(/https?:\/\/\S+/.exec(resets[resets.length - 1]!.text)![0]).searchParams.get("token")!
  })

/**
 * The server's clock: the back-off test moves it past each wait instead of sleeping. Moving it only
 * ever lets windows end early, and tests are about their own clients and accounts.
 */
const serverClock = ShiftedClock.make()

describe("rate limits behind a trusted proxy", () => {
  const behindProxy = TestServerLayer.make({ trustProxy: { _tag: "Networks", networks: ["127.0.0.1/32"] } }, {}, limits).pipe(
    Layer.provide(Layer.setClock(serverClock))
  )
  // Live services otherwise: the server's timers and the tests' polls run on the real clock.
  layer(behindProxy, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("an address gets 10 requests a minute over the three mutations; another address is not held back", () =>
      Effect.gen(function*() {
        const address = newAddress()
        const before = yield* refusals("address", "changePassword")
        const answers = yield* Effect.forEach([0, 1, 2, 3], () =>
          Effect.all([
            authenticate(`nobody-${randomUUID()}`, "wrong-password", address),
            resetPassword(`nobody-${randomUUID()}`, address),
            changePassword("forged-token", "a-long-new-password", address)
          ]))
        // Ten answered on their merits (two failed sign-ins, a reset mail, an unknown token, …), then refusals.
        expect(answers.flat().map(codes)).toEqual([
          ...[0, 1, 2].flatMap(() => [["WRONG_CREDENTIALS"], [], ["INVALID_TOKEN"]]),
          ["WRONG_CREDENTIALS"],
          ["RATE_LIMITED"],
          ["RATE_LIMITED"]
        ])
        const refused = answers[3]![2]
        expectRefused(refused)
        expect(retryAfter(refused)).toBeLessThanOrEqual(60)
        expect(yield* refusals("address", "changePassword")).toBe(before + 1)
        expectRefused(yield* authenticate(admin.accessKey, admin.password, address))

        expect(codes(yield* resetPassword(`nobody-${randomUUID()}`, newAddress()))).toEqual([])
      }))

    it.effect("an account gets 2 reset mails per window from any number of addresses, and a refusal does not tell whether it exists", () =>
      Effect.gen(function*() {
        const user = yield* createdUser("reset-budget")
        const nobody = `nobody-${randomUUID()}`
        for (const accessKey of [user.accessKey, nobody]) {
          expect(codes(yield* resetPassword(accessKey, newAddress()))).toEqual([])
          expect(codes(yield* resetPassword(accessKey, newAddress()))).toEqual([])
        }
        const refusedKnown = yield* resetPassword(user.accessKey, newAddress())
        const refusedUnknown = yield* resetPassword(nobody, newAddress())
        expectRefused(refusedKnown)
        expectRefused(refusedUnknown)
        // The same answer but for the seconds to wait (the two windows began a moment apart).
        const withoutSeconds = (response: GraphQLResponse) =>
          JSON.stringify(response.errors!.map((error) => [error.extensions?.code, error.message.replace(/\d+/g, "n")]))
        expect(withoutSeconds(refusedUnknown)).toBe(withoutSeconds(refusedKnown))
        // Another account's budget is its own.
        expect(codes(yield* resetPassword(`nobody-${randomUUID()}`, newAddress()))).toEqual([])
      }))

    it.effect("password changes are counted against the reset token's account, from any address", () =>
      Effect.gen(function*() {
        const user = yield* createdUser("change-budget")
        expect(codes(yield* resetPassword(user.accessKey, newAddress()))).toEqual([])
        const token = yield* resetToken(user.email, 2)
        // Too short: refused without spending the token, but counted.
        for (let attempt = 0; attempt < 3; attempt++) {
          expect(codes(yield* changePassword(token, "short", newAddress()))).toEqual(["BAD_USER_INPUT"])
        }
        const before = yield* refusals("account", "changePassword")
        expectRefused(yield* changePassword(token, `new-${randomUUID()}`, newAddress()))
        expect(yield* refusals("account", "changePassword")).toBe(before + 1)
      }))

    it.effect("failed sign-ins back off 1 s, then 2 s, even for the right password; a success starts the count again", () =>
      Effect.gen(function*() {
        const user = yield* createdUser("backoff")
        const address = newAddress()
        expect(codes(yield* authenticate(user.accessKey, "wrong-password", address))).toEqual(["WRONG_CREDENTIALS"])
        expect(codes(yield* authenticate(user.accessKey, "wrong-password", address))).toEqual(["WRONG_CREDENTIALS"])
        const first = yield* authenticate(user.accessKey, user.password, address)
        expectRefused(first)
        expect(retryAfter(first)).toBe(1)

        yield* serverClock.advance("1 second")
        expect(codes(yield* authenticate(user.accessKey, "wrong-password", address))).toEqual(["WRONG_CREDENTIALS"])
        const second = yield* authenticate(user.accessKey, "wrong-password", address)
        expectRefused(second)
        expect(retryAfter(second)).toBe(2)

        yield* serverClock.advance("2 seconds")
        expect(codes(yield* authenticate(user.accessKey, user.password, address))).toEqual([])
        // Forgiven: two free failures again, then the first wait.
        expect(codes(yield* authenticate(user.accessKey, "wrong-password", address))).toEqual(["WRONG_CREDENTIALS"])
        expect(codes(yield* authenticate(user.accessKey, "wrong-password", address))).toEqual(["WRONG_CREDENTIALS"])
        expect(retryAfter(yield* authenticate(user.accessKey, "wrong-password", address))).toBe(1)
      }))

    it.effect("aliases do not multiply guesses: every authenticate field in one request is counted", () =>
      Effect.gen(function*() {
        const user = yield* createdUser("aliases")
        const guesses = Array.from({ length: 12 }, (_, index) =>
          `g${index}: authenticate(command: { accessKey: $accessKey, password: "guess-${index}" }) { token { value } }`)
        const response = yield* graphql(`mutation ($accessKey: String!) { ${guesses.join("\n")} }`, { accessKey: user.accessKey }, undefined, from(newAddress()))
        // Two free failures; the backoff holds the rest, and past the address's 10 its budget does too.
        expect(codes(response)).toEqual([...Array(2).fill("WRONG_CREDENTIALS"), ...Array(10).fill("RATE_LIMITED")])
      }))

    it.effect("an attacker hammering an account from many addresses locks out neither its owner's address nor a reset", () =>
      Effect.gen(function*() {
        const victim = yield* createdUser("victim")
        const home = newAddress()
        expect(codes(yield* authenticate(victim.accessKey, victim.password, home))).toEqual([])

        const hammer = (times: number) =>
          Effect.forEach(Array.from({ length: times }), () => Effect.map(authenticate(victim.accessKey, "guess", newAddress()), codes))
        const before = yield* refusals("backoff-account", "authenticate")
        // Four failures are free for the account, whatever their addresses; then it backs off.
        expect(yield* hammer(6)).toEqual([...Array(4).fill(["WRONG_CREDENTIALS"]), ["RATE_LIMITED"], ["RATE_LIMITED"]])
        expect(yield* refusals("backoff-account", "authenticate")).toBe(before + 2)

        // The owner's own address signed in before: the account-wide backoff spares it.
        expect(codes(yield* authenticate(victim.accessKey, victim.password, home))).toEqual([])

        // From a new address the owner is held back like anyone, but can still ask for a reset and use it.
        const travelling = newAddress()
        expectRefused(yield* authenticate(victim.accessKey, victim.password, travelling))
        expect(codes(yield* resetPassword(victim.accessKey, travelling))).toEqual([])
        const token = yield* resetToken(victim.email, 2)
        yield* hammer(3)
        const newPassword = `new-${randomUUID()}`
        expect(codes(yield* changePassword(token, newPassword, travelling))).toEqual([])
        yield* hammer(3)
        // The reset proved the address holds the account: the account-wide limits spare it from now.
        expect(codes(yield* authenticate(victim.accessKey, newPassword, travelling))).toEqual([])
        expect(codes(yield* authenticate(victim.accessKey, "guess", newAddress()))).toEqual(["RATE_LIMITED"])
      }))
  })
})

describe("rate limits without a trusted proxy", () => {
  layer(TestServerLayer.make({ trustProxy: ProxyTrust.none }, {}, limits), { timeout: Duration.minutes(2) })((it) => {
    it.effect("X-Forwarded-For is ignored: a client cannot spread its requests over forged addresses", () =>
      Effect.gen(function*() {
        for (let request = 0; request < 10; request++) {
          expect(codes(yield* resetPassword(`nobody-${randomUUID()}`, newAddress()))).toEqual([])
        }
        expectRefused(yield* resetPassword(`nobody-${randomUUID()}`, newAddress()))
      }))
  })
})
