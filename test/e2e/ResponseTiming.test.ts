/**
 * The anonymous mutations take as long for an account that exists as for one that does not, so
 * response times do not tell an attacker which access keys are taken. Each test times 40 interleaved
 * pairs over HTTP (a known and an unknown account; which goes first alternates, so both requests of a
 * pair follow one of the same kind, and whatever work that one left behind weighs on both) and bounds
 * the relative difference: never an absolute time, which the machine's speed and load decide.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { performance } from "node:perf_hooks"
import type { ThrottleSettings } from "../../src/auth/Throttle.js"
import { adminToken, codes, commandOk, graphql, type GraphQLResponse, newUser } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const pairs = 40
/** Pairs run first and not counted: the first requests of a kind compile code on the server. */
const warmUp = 5
const tolerance = 0.25

/** The e2e limits, with the sign-in backoff out of the way: every pair fails a sign-in on purpose. */
const limits: ThrottleSettings = {
  ...TestServerLayer.rateLimits,
  backoff: { ...TestServerLayer.rateLimits.backoff, freeFailures: 1000, accountFreeFailures: 100_000 }
}

const resetPassword = (accessKey: string) =>
  graphql(`mutation ($command: SendEmailReset!) { resetPassword(command: $command) { status } }`, { command: { accessKey } })

const authenticate = (accessKey: string, password: string) =>
  graphql(`mutation ($command: Credentials!) { authenticate(command: $command) { token { value } } }`, { command: { accessKey, password } })

/** The request's round trip in milliseconds; `check` asserts the answer, so a refusal cannot pass for a fast reply. */
const timed = <A, E, R>(request: Effect.Effect<A, E, R>, check: (answer: A) => void) =>
  Effect.gen(function*() {
    const start = performance.now()
    const answer = yield* request
    const elapsed = performance.now() - start
    check(answer)
    return elapsed
  })

const median = (samples: ReadonlyArray<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = sorted.length / 2
  return (sorted[Math.floor(middle - 0.5)]! + sorted[Math.ceil(middle - 0.5)]!) / 2
}

/**
 * Times `pairs` pairs, a known and an unknown account's request back to back (which goes first
 * alternates), after a few warm-up pairs. Each pair's two requests meet the same load on the machine,
 * so the median of the pairs' ratios holds steady where the two kinds' own medians swing with it: a
 * burst of other work over part of the run makes each kind's times bimodal, and a median sitting
 * between the modes moves by half their distance on a single sample.
 */
const interleaved = <E, R>(known: () => Effect.Effect<number, E, R>, unknown: () => Effect.Effect<number, E, R>) =>
  Effect.gen(function*() {
    for (let pair = 0; pair < warmUp; pair++) yield* Effect.zip(known(), unknown())
    const samples: Array<{ readonly known: number; readonly unknown: number }> = []
    for (let pair = 0; pair < pairs; pair++) {
      // Effect.all runs a struct's effects one after the other, in the order of its keys.
      samples.push(yield* (pair % 2 === 0 ? Effect.all({ known: known(), unknown: unknown() }) : Effect.all({ unknown: unknown(), known: known() })))
    }
    return samples
  })

/** Neither kind takes 25% longer than the other: the pairs' median ratio lies within 1/1.25 and 1.25. */
const expectAlike = (samples: ReadonlyArray<{ readonly known: number; readonly unknown: number }>) => {
  const ratio = median(samples.map((sample) => sample.known / sample.unknown))
  const summary = `median known/unknown ratio ${ratio.toFixed(2)}; medians ${median(samples.map((s) => s.known)).toFixed(1)} ms (known), ` +
    `${median(samples.map((s) => s.unknown)).toFixed(1)} ms (unknown)`
  expect(Math.max(ratio, 1 / ratio), summary).toBeLessThan(1 + tolerance)
}

describe("response times do not reveal accounts", () => {
  layer(TestServerLayer.make({}, {}, limits), { excludeTestServices: true, timeout: Duration.minutes(3) })((it) => {
    it.effect("resetPassword answers a known and an unknown account in the same time", () =>
      Effect.gen(function*() {
        const user = newUser("timed-reset")
        yield* commandOk("createUser", "CreateUser", user, yield* adminToken)
        const sent = (answer: GraphQLResponse) => expect(answer.data?.["resetPassword"]?.status).toBe("EMAIL_RESET_PWD_SENT")
        expectAlike(yield* interleaved(
          () => timed(resetPassword(user.accessKey), sent),
          () => timed(resetPassword(`nobody-${randomUUID()}`), sent)
        ))
      }), { timeout: 120_000 })

    it.effect("authenticate answers a wrong password and an unknown account in the same time", () =>
      Effect.gen(function*() {
        const user = newUser("timed-sign-in")
        yield* commandOk("createUser", "CreateUser", user, yield* adminToken)
        const refused = (answer: GraphQLResponse) => expect(codes(answer)).toEqual(["WRONG_CREDENTIALS"])
        expectAlike(yield* interleaved(
          () => timed(authenticate(user.accessKey, "wrong-password-1"), refused),
          () => timed(authenticate(`nobody-${randomUUID()}`, "wrong-password-1"), refused)
        ))
      }), { timeout: 120_000 })
  })
})
