/**
 * Exponential backoff on failed sign-ins, as pure arithmetic over a failure record. Every attempt is
 * counted as a failure when it is admitted and forgiven when it succeeds, so parallel guesses cannot
 * all slip through before the first one is recorded. Times are epoch milliseconds.
 */

export interface Policy {
  /** Failures that cost nothing; the next attempt after one more waits `baseMillis`. */
  readonly freeFailures: number
  readonly baseMillis: number
  readonly maxMillis: number
  /** A record this long without a new failure is forgotten. */
  readonly forgetAfterMillis: number
}

/** Failures (admitted attempts that did not succeed) since the last success, and when the last began. */
export interface Failures {
  readonly count: number
  readonly lastAt: number
}

/** How long after the last of `count` failures the next attempt must wait: 0 while free, then doubling, capped. */
export const delayAfter = (policy: Policy, count: number): number => {
  const beyond = count - policy.freeFailures
  if (beyond < 0) return 0
  // 2^beyond overflows to Infinity for absurd counts, which the cap absorbs.
  return Math.min(policy.maxMillis, policy.baseMillis * 2 ** beyond)
}

const live = (policy: Policy, record: Failures | undefined, now: number): Failures | undefined =>
  record !== undefined && now - record.lastAt < policy.forgetAfterMillis ? record : undefined

/** Milliseconds the next attempt must still wait (0: it may go now). */
export const waitFor = (policy: Policy, record: Failures | undefined, now: number): number => {
  const current = live(policy, record, now)
  return current === undefined ? 0 : Math.max(0, current.lastAt + delayAfter(policy, current.count) - now)
}

/** One record under its policy: the caller's (account, address) pair, or the whole account. */
export interface Check {
  readonly policy: Policy
  readonly record: Failures | undefined
}

export type Admission =
  | { readonly _tag: "Admitted"; readonly records: ReadonlyArray<Failures> }
  /** `check`: the index of the check that asks for the longest wait. */
  | { readonly _tag: "Refused"; readonly retryAfterMillis: number; readonly check: number }

/** Takes back the count of one admitted attempt that turned out to succeed (none left: no record). */
export const withdraw = (record: Failures): Failures | undefined =>
  record.count <= 1 ? undefined : { ...record, count: record.count - 1 }

/**
 * Admits an attempt only if no record asks it to wait, counting it as a failure in every record;
 * a refused attempt changes nothing (it never reached the password check). Refused with the longest wait.
 */
export const admit = (checks: ReadonlyArray<Check>, now: number): Admission => {
  const waits = checks.map((check) => waitFor(check.policy, check.record, now))
  const wait = Math.max(0, ...waits)
  if (wait > 0) return { _tag: "Refused", retryAfterMillis: wait, check: waits.indexOf(wait) }
  return {
    _tag: "Admitted",
    records: checks.map((check) => ({ count: (live(check.policy, check.record, now)?.count ?? 0) + 1, lastAt: now }))
  }
}
