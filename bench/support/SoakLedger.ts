/**
 * The soak benchmark's check for lost updates. Every scope token is written by one client only, at
 * most twice and in order: attached once, then maybe detached. A client notes the outcome of each
 * write as the API answered it: success (it happened), a coded refusal such as CONFLICT (it did not:
 * the command's transaction rolled back), or no usable answer (a network error, INTERNAL_SERVER_ERROR:
 * it may or may not have happened, so the token is left out of the comparison and never written again).
 * The stored scope must then equal the tokens whose last successful write was an attach, exactly.
 */

export type TokenState = "attached" | "detached" | "uncertain"

/** One hot grant: the `user GET` conditional grant of a hot user or of a hot role. */
export interface Aggregate {
  readonly kind: "user" | "role"
  /** The access key or role code. */
  readonly key: string
}

export const aggregateName = (aggregate: Aggregate) => `${aggregate.kind} ${aggregate.key}`

/** What the clients wrote to one aggregate, token by token, as JSON can carry it. */
export interface Entry {
  readonly aggregate: Aggregate
  readonly tokens: Readonly<Record<string, TokenState>>
  readonly attaches: number
  readonly detaches: number
}

export class Ledger {
  private readonly states = new Map<string, { readonly aggregate: Aggregate; readonly tokens: Map<string, TokenState>; attaches: number; detaches: number }>()

  constructor(aggregates: ReadonlyArray<Aggregate>) {
    for (const aggregate of aggregates) this.states.set(aggregateName(aggregate), { aggregate, tokens: new Map(), attaches: 0, detaches: 0 })
  }

  private of(aggregate: Aggregate) {
    return this.states.get(aggregateName(aggregate))!
  }

  /** The API answered an attach of `token`: "attached" on success, null on a refusal (nothing happened), "uncertain" otherwise. */
  attached(aggregate: Aggregate, token: string, outcome: "attached" | "uncertain" | null) {
    const state = this.of(aggregate)
    if (outcome === "attached") state.attaches++
    if (outcome !== null) state.tokens.set(token, outcome)
  }

  /** The API answered a detach of an attached token: "detached" on success, null on a refusal (still attached). */
  detached(aggregate: Aggregate, token: string, outcome: "detached" | "uncertain" | null) {
    const state = this.of(aggregate)
    if (outcome === "detached") state.detaches++
    if (outcome !== null) state.tokens.set(token, outcome)
  }

  entries(): ReadonlyArray<Entry> {
    return [...this.states.values()].map((state) => ({
      aggregate: state.aggregate,
      tokens: Object.fromEntries(state.tokens),
      attaches: state.attaches,
      detaches: state.detaches
    }))
  }
}

export interface Comparison {
  readonly aggregate: string
  /** Tokens expected in the stored scope (their last successful write attached them). */
  readonly expected: number
  readonly stored: number
  readonly uncertain: number
  /** Attached, answered success, missing from the stored scope: a lost attach. */
  readonly missing: ReadonlyArray<string>
  /** Detached, answered success, still stored: a lost detach. */
  readonly resurrected: ReadonlyArray<string>
  /** Stored, but no client ever had an attach of it answered (nor left it uncertain). */
  readonly unknown: ReadonlyArray<string>
}

/** Compares one aggregate's ledger with the scope read back at the end. */
export const compare = (entry: Entry, storedScope: ReadonlyArray<string>): Comparison => {
  const stored = new Set(storedScope)
  const tokens = Object.entries(entry.tokens)
  const expected = tokens.filter(([, state]) => state === "attached").map(([token]) => token)
  return {
    aggregate: aggregateName(entry.aggregate),
    expected: expected.length,
    stored: stored.size,
    uncertain: tokens.filter(([, state]) => state === "uncertain").length,
    missing: expected.filter((token) => !stored.has(token)),
    resurrected: tokens.filter(([token, state]) => state === "detached" && stored.has(token)).map(([token]) => token),
    unknown: [...stored].filter((token) => entry.tokens[token] === undefined)
  }
}

export const lostUpdates = (comparison: Comparison) => comparison.missing.length + comparison.resurrected.length + comparison.unknown.length
