import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, HashMap, Logger, Option, TestClock } from "effect"
import { WrongCredentials } from "../../../src/auth/domain/Errors.js"
import { Throttle, type ThrottleSettings } from "../../../src/auth/Throttle.js"
import * as Composition from "../../../src/Composition.js"
import { retryAfterSeconds } from "../../../src/kernel/Errors.js"

const wide = { limit: 1000, window: Duration.minutes(1) }
const settings: ThrottleSettings = {
  perAddress: wide,
  signIn: wide,
  resetPassword: { limit: 1, window: Duration.minutes(15) },
  changePassword: wide,
  backoff: { freeFailures: 1, accountFreeFailures: 3, base: Duration.seconds(1), max: Duration.seconds(4), forgetAfter: Duration.hours(1) },
  knownAddressTtl: Duration.days(30)
}

const wrong = Effect.fail(new WrongCredentials())

/** What a sign-in attempt came to: signed in, wrong credentials, or the seconds it was told to wait. */
const signIn = (account: string, address: string, attempt: Effect.Effect<string, WrongCredentials>) =>
  Effect.flatMap(Throttle, (throttle) => Effect.either(throttle.signIn({ account, address }, attempt))).pipe(
    Effect.map(Either.match({
      onRight: () => "signed in",
      onLeft: (error) => error._tag === "RateLimited" ? retryAfterSeconds(error) : "wrong"
    }))
  )

describe("Throttle", () => {
  it.effect("doubles the wait after each failure past the free ones, up to the cap", () =>
    Effect.gen(function*() {
      const waits: Array<unknown> = []
      expect(yield* signIn("alice", "192.0.2.1", wrong)).toBe("wrong")
      for (let round = 0; round < 5; round++) {
        const refused = yield* signIn("alice", "192.0.2.1", wrong)
        waits.push(refused)
        yield* TestClock.adjust(Duration.seconds(refused as number))
        expect(yield* signIn("alice", "192.0.2.1", wrong)).toBe("wrong")
      }
      expect(waits).toEqual([1, 2, 4, 4, 4])
    }).pipe(Effect.provide(Composition.throttle(settings))))

  it.effect("a sign-in from a new address takes back only its own attempt from the account's count", () =>
    Effect.gen(function*() {
      // Two failures for the account from elsewhere; its third is still free.
      yield* signIn("bob", "198.51.100.1", wrong)
      yield* signIn("bob", "198.51.100.2", wrong)
      expect(yield* signIn("bob", "198.51.100.3", Effect.succeed("token"))).toBe("signed in")
      expect(yield* signIn("bob", "198.51.100.4", wrong)).toBe("wrong")
      expect(yield* signIn("bob", "198.51.100.5", wrong)).toBe(1)
      // The address that signed in is the owner's from now: the account's backoff spares it.
      expect(yield* signIn("bob", "198.51.100.3", Effect.succeed("token"))).toBe("signed in")
    }).pipe(Effect.provide(Composition.throttle(settings))))

  it.effect("forgets failures after a quiet period", () =>
    Effect.gen(function*() {
      yield* signIn("carol", "192.0.2.7", wrong)
      expect(yield* signIn("carol", "192.0.2.7", wrong)).toBe(1)
      yield* TestClock.adjust(Duration.hours(1))
      expect(yield* signIn("carol", "192.0.2.7", wrong)).toBe("wrong")
    }).pipe(Effect.provide(Composition.throttle(settings))))

  it.effect("logs every refusal at INFO with the limit and the mutation, never the account", () =>
    Effect.gen(function*() {
      const lines: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
      const capture = Logger.make(({ annotations, logLevel, message }) =>
        lines.push({ level: logLevel.label, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) }))
      const reset = Effect.flatMap(Throttle, (throttle) => Effect.either(throttle.resetPassword({ account: "dave-secret-key", address: "2001:db8::1" }, Effect.void)))
      expect(Either.isRight(yield* reset)).toBe(true)
      expect(Either.isLeft(yield* reset.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture))))).toBe(true)
      expect(lines).toEqual([{
        level: "INFO",
        message: ["rate limited"],
        annotations: { limit: "account", mutation: "resetPassword", client: "2001:db8:0:0::/64", retryAfter: 900 }
      }])
      expect(JSON.stringify(lines)).not.toContain("dave")
    }).pipe(Effect.provide(Composition.throttle(settings))))

  it.effect("counts a reset token's holder against the account's budget only when the token is known", () =>
    Effect.gen(function*() {
      const throttle = yield* Throttle
      const change = (holder: Option.Option<string>, address: string) =>
        Effect.either(throttle.changePassword({ address, holder: Effect.succeed(holder) }, Effect.fail("weak password")))
      const refused = (either: Either.Either<unknown, unknown>) => Either.isLeft(either) && either.left !== "weak password"
      for (let attempt = 0; attempt < 3; attempt++) expect(refused(yield* change(Option.none(), "192.0.2.9"))).toBe(false)
      expect(refused(yield* change(Option.some("erin"), "192.0.2.10"))).toBe(false)
      expect(refused(yield* change(Option.some("erin"), "192.0.2.11"))).toBe(true)
    }).pipe(Effect.provide(Composition.throttle({ ...settings, changePassword: { limit: 1, window: Duration.minutes(15) } }))))
})
