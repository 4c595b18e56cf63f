/**
 * Rate limits on the mutations anyone may call: sign-in, asking for a reset mail, changing the
 * password with a reset token. Each is checked before the command runs, so a refused request costs
 * no password hash and no mail.
 *
 * - Per client address: one budget over all three (an IPv6 client counts by its /64).
 * - Per account: a budget for each of the three, keyed by the access key asked for (or the reset
 *   token's holder), whether or not the account exists, so a refusal tells nothing about accounts.
 * - Failed sign-ins back off exponentially (LoginBackoff.ts) per account and address, and, more
 *   loosely, per account. A success forgets its address's failures; a password change forgets all.
 * - No lock-out: the account-wide limits spare addresses that proved they hold the account (a sign-in
 *   or a password change from there, within `knownAddressTtl`), so an attacker hammering an account
 *   from elsewhere cannot lock its owner out. From a new address the owner can always ask for a reset
 *   mail (its budget is apart from sign-in's), change the password with it, and sign in from there.
 */
import { RateLimiter } from "@effect/experimental"
import { Clock, Context, Duration, Effect, Layer, Metric, Option } from "effect"
import { limitKey } from "../kernel/IpAddress.js"
import { RateLimited, retryAfterSeconds } from "../kernel/Errors.js"
import type * as LoginBackoff from "./domain/LoginBackoff.js"
import { KnownAddresses } from "./ports/KnownAddresses.js"
import { LoginFailures } from "./ports/LoginFailures.js"

/** At most `limit` requests per fixed `window`. */
export interface Budget {
  readonly limit: number
  readonly window: Duration.Duration
}

export interface ThrottleSettings {
  /** All three mutations from one client address. */
  readonly perAddress: Budget
  /** Each mutation on one account. */
  readonly signIn: Budget
  readonly resetPassword: Budget
  readonly changePassword: Budget
  readonly backoff: {
    /** Failures free of wait, per account and address; then per account (looser: many addresses add up). */
    readonly freeFailures: number
    readonly accountFreeFailures: number
    readonly base: Duration.Duration
    readonly max: Duration.Duration
    readonly forgetAfter: Duration.Duration
  }
  /** How long an address that signed in (or changed the password) counts as the owner's. */
  readonly knownAddressTtl: Duration.Duration
}

/** Runs `attempt` for the client at `address` on `account` if the limits allow, else fails with RateLimited. */
type Guard = <A, E, R>(
  caller: { readonly address: string; readonly account: string },
  attempt: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | RateLimited, R>

export class Throttle extends Context.Tag("auth/Throttle")<Throttle, {
  /** The access key asked for. */
  readonly signIn: Guard
  readonly resetPassword: Guard
  /**
   * `holder` finds the reset token's account (none: unknown token, only the address budget applies);
   * it runs only once the address budget let the request through.
   */
  readonly changePassword: <A, E, R, RH>(
    caller: { readonly address: string; readonly holder: Effect.Effect<Option.Option<string>, never, RH> },
    attempt: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | RateLimited, R | RH>
}>() {}

/** Refusals by limit and mutation, for operators (each is also logged at INFO). */
export const refusalsTotal = Metric.counter("kingdom_rate_limited_total", {
  description: "Requests refused by a rate limit or a sign-in backoff"
})

/** The count of one limit's refusals of one mutation. */
export const refusals = (limit: string, mutation: string) =>
  Metric.tagged(Metric.tagged(refusalsTotal, "limit", limit), "mutation", mutation)

type Mutation = "authenticate" | "resetPassword" | "changePassword"

const policy = (backoff: ThrottleSettings["backoff"], freeFailures: number): LoginBackoff.Policy => ({
  freeFailures,
  baseMillis: Duration.toMillis(backoff.base),
  maxMillis: Duration.toMillis(backoff.max),
  forgetAfterMillis: Duration.toMillis(backoff.forgetAfter)
})

export const make = (settings: ThrottleSettings) =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.RateLimiter
    const failures = yield* LoginFailures
    const known = yield* KnownAddresses
    const pairPolicy = policy(settings.backoff, settings.backoff.freeFailures)
    const accountPolicy = policy(settings.backoff, settings.backoff.accountFreeFailures)
    const accountBudgets: Record<Mutation, Budget> = {
      authenticate: settings.signIn,
      resetPassword: settings.resetPassword,
      changePassword: settings.changePassword
    }

    // The limit's kind and the mutation are logged, never the account asked for (it may be a mistyped password).
    const refuse = (limit: string, mutation: Mutation, address: string, retryAfter: Duration.Duration) => {
      const error = new RateLimited({ retryAfter })
      return Effect.logInfo("rate limited").pipe(
        Effect.annotateLogs({ limit, mutation, client: address, retryAfter: retryAfterSeconds(error) }),
        Effect.zipRight(Metric.increment(refusals(limit, mutation))),
        Effect.zipRight(Effect.fail(error))
      )
    }

    const spend = (limit: "address" | "account", mutation: Mutation, address: string, key: string, budget: Budget) =>
      limiter.consume({ key: `${limit}:${key}`, limit: budget.limit, window: budget.window, algorithm: "fixed-window", onExceeded: "fail" }).pipe(
        Effect.catchAll((error) => error.reason === "Exceeded" ? refuse(limit, mutation, address, error.retryAfter) : Effect.die(error))
      )

    /** The account's budget for the mutation; true when the address is the account's own (account-wide limits spared). */
    const accountBudget = (mutation: Mutation, address: string, account: string) =>
      Effect.gen(function*() {
        const isKnown = yield* known.isKnown(account, address, yield* Clock.currentTimeMillis)
        if (!isKnown) yield* spend("account", mutation, address, `${mutation}:${account}`, accountBudgets[mutation])
        return isKnown
      })

    const addressBudget = (mutation: Mutation, address: string) => spend("address", mutation, address, address, settings.perAddress)

    const keysOf = (account: string, address: string) => ({ pair: JSON.stringify(["pair", account, address]), account: JSON.stringify(["account", account]) })

    /** The address proved it holds the account: it is known from now. */
    const remember = (account: string, address: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => known.remember(account, address, now + Duration.toMillis(settings.knownAddressTtl)))

    const signIn: Guard = (caller, attempt) =>
      Effect.gen(function*() {
        const address = limitKey(caller.address)
        const account = caller.account
        yield* addressBudget("authenticate", address)
        const isKnown = yield* accountBudget("authenticate", address, account)
        const keys = keysOf(account, address)
        const tracked = [{ key: keys.pair, policy: pairPolicy }, ...(isKnown ? [] : [{ key: keys.account, policy: accountPolicy }])]
        const admission = yield* failures.admit(tracked, yield* Clock.currentTimeMillis)
        if (admission._tag === "Refused") {
          const limit = admission.check === 0 ? "backoff-address" : "backoff-account"
          return yield* refuse(limit, "authenticate", address, Duration.millis(admission.retryAfterMillis))
        }
        const result = yield* attempt
        // A sign-in speaks only for its address: failures from elsewhere may be an attacker's, whose
        // backoff must hold; only its own attempt is taken back from the account's count.
        yield* failures.clear([keys.pair])
        if (!isKnown) yield* failures.withdraw([keys.account])
        yield* remember(account, address)
        return result
      })

    const resetPassword: Guard = (caller, attempt) =>
      Effect.gen(function*() {
        const address = limitKey(caller.address)
        yield* addressBudget("resetPassword", address)
        yield* accountBudget("resetPassword", address, caller.account)
        return yield* attempt
      })

    const changePassword = <A, E, R, RH>(
      caller: { readonly address: string; readonly holder: Effect.Effect<Option.Option<string>, never, RH> },
      attempt: Effect.Effect<A, E, R>
    ) =>
      Effect.gen(function*() {
        const address = limitKey(caller.address)
        yield* addressBudget("changePassword", address)
        const holder = yield* caller.holder
        if (Option.isSome(holder)) yield* accountBudget("changePassword", address, holder.value)
        const result = yield* attempt
        // The reset token proved the address holds the account.
        if (Option.isSome(holder)) {
          // A new password makes every earlier guess moot.
          const keys = keysOf(holder.value, address)
          yield* failures.clear([keys.pair, keys.account])
          yield* remember(holder.value, address)
        }
        return result
      })

    return Throttle.of({ signIn, resetPassword, changePassword })
  })

/** The throttle on its stores; RateLimiter's store and the ports' adapters come from the composition root. */
export const layer = (settings: ThrottleSettings): Layer.Layer<Throttle, never, RateLimiter.RateLimiter | LoginFailures | KnownAddresses> =>
  Layer.effect(Throttle, make(settings))
