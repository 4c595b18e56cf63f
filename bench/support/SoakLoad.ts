/**
 * The soak benchmark's load generator, a process of its own (bench/soak.ts starts it and writes the
 * plan, JSON, to its stdin): it sets the data up over GraphQL, runs `clients` virtual clients in a closed
 * loop (each sends its next request when the previous is answered) for the warm-up and the measured
 * time, reads the hot grants back over GraphQL, and writes one JSON result (LoadResult) to stdout.
 * Progress goes to stderr. Keeping the load out of the server's process keeps it off its event loop.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Duration, Effect } from "effect"
import * as Fs from "node:fs"
import { performance } from "node:perf_hooks"
import * as Http from "./SoakHttp.js"
import { type Aggregate, aggregateName, type Entry, Ledger } from "./SoakLedger.js"
import { type Summary, summarize } from "./Stats.js"

/** What a client picks, by weight; the grant picks become an attach or a detach (see `grantWrite`). */
export type Pick = "users" | "user" | "roles" | "userGrant" | "roleGrant" | "setUserRole" | "authenticate"
export type Operation =
  | "users" | "user" | "roles" | "attachUserPermissions" | "detachUserPermissions" | "attachRolePermissions" | "detachRolePermissions"
  | "setUserRole" | "authenticate"

export interface Plan {
  readonly baseUrl: string
  readonly admin: { readonly accessKey: string; readonly password: string }
  readonly clients: number
  readonly warmupMs: number
  readonly durationMs: number
  readonly bucketMs: number
  readonly mix: Readonly<Record<Pick, number>>
  /** At most this many of its own tokens a client keeps attached on one hot grant; then it detaches. */
  readonly maxLivePerClient: number
  readonly users: ReadonlyArray<{ readonly accessKey: string; readonly password: string }>
  readonly roles: ReadonlyArray<{ readonly code: string; readonly name: string; readonly permissions: ReadonlyArray<unknown> }>
  readonly hotUsers: ReadonlyArray<string>
  readonly hotRoles: ReadonlyArray<string>
}

export interface OperationResult {
  readonly operation: Operation
  /** In the measured window (after the warm-up). */
  readonly requests: number
  readonly ok: number
  readonly errors: Readonly<Record<string, number>>
  /** Latency of every answer in the measured window, errors included. */
  readonly latency: Summary
  /** Warm-up included: the same span as the server's retry counter. */
  readonly requestsAll: number
  readonly okAll: number
}

export interface LoadResult {
  readonly setupSeconds: number
  readonly measuredSeconds: number
  readonly operations: ReadonlyArray<OperationResult>
  readonly overall: { readonly requests: number; readonly ok: number; readonly errors: Readonly<Record<string, number>>; readonly latency: Summary }
  readonly timeline: ReadonlyArray<{ readonly fromSeconds: number; readonly requests: number; readonly errors: number; readonly p50Ms: number; readonly p99Ms: number }>
  readonly ledger: ReadonlyArray<Entry>
  /** The hot grants' scopes read over GraphQL once the load had stopped, by aggregate name. */
  readonly finalScopes: Readonly<Record<string, ReadonlyArray<string>>>
}

const plan = JSON.parse(Fs.readFileSync(0, "utf8")) as Plan
const operations: ReadonlyArray<Operation> = ["users", "user", "roles", "attachUserPermissions", "detachUserPermissions",
  "attachRolePermissions", "detachRolePermissions", "setUserRole", "authenticate"]

const say = (text: string) => Effect.sync(() => process.stderr.write(`${text}\n`))
const pickFrom = <A>(items: ReadonlyArray<A>): A => items[Math.floor(Math.random() * items.length)]!
const count = (n: number) => n.toLocaleString("en-US")

/** Answers per operation, the measured ones (started after `measureFrom`) with their latency, by time bucket too. */
class Recorder {
  readonly all = new Map(operations.map((operation) => [operation, { requests: 0, ok: 0 }]))
  readonly measured = new Map(operations.map((operation) => [operation, { requests: 0, ok: 0, errors: new Map<string, number>(), samples: [] as Array<number> }]))
  readonly buckets: Array<{ requests: number; errors: number; samples: Array<number> }> = []
  measureFrom = Number.POSITIVE_INFINITY

  record(operation: Operation, started: number, answer: Http.Answer) {
    const all = this.all.get(operation)!
    all.requests++
    if (answer.ok) all.ok++
    if (started < this.measureFrom) return
    const measured = this.measured.get(operation)!
    measured.requests++
    if (answer.ok) measured.ok++
    for (const code of answer.codes) measured.errors.set(code, (measured.errors.get(code) ?? 0) + 1)
    measured.samples.push(answer.ms)
    const index = Math.floor((started - this.measureFrom) / plan.bucketMs)
    while (this.buckets.length <= index) this.buckets.push({ requests: 0, errors: 0, samples: [] })
    const bucket = this.buckets[index]!
    bucket.requests++
    if (!answer.ok) bucket.errors++
    bucket.samples.push(answer.ms)
  }

  totals() {
    let requests = 0
    let errors = 0
    for (const measured of this.measured.values()) {
      requests += measured.requests
      errors += measured.requests - measured.ok
    }
    return { requests, errors }
  }
}

const command = (field: string, input: string, value: Record<string, unknown>, token: string) =>
  Http.post(plan.baseUrl, Http.documents.command(field, input), { command: value }, token)

const must = async (what: string, answer: Promise<Http.Answer>) => {
  const done = await answer
  if (!done.ok) throw new Error(`soak set-up: ${what} failed: ${done.codes.join(", ")}`)
  return done
}

const signIn = async (accessKey: string, password: string) => {
  const answer = await must(`sign-in of ${accessKey}`, Http.post(plan.baseUrl, Http.documents.authenticate, { command: { accessKey, password } }))
  return answer.data!["authenticate"].token.value as string
}

/** Roles, users (argon2 makes this the slow part, four at a time), and a role for every third user. */
const setUp = Effect.promise(async () => {
  const token = await signIn(plan.admin.accessKey, plan.admin.password)
  for (const role of plan.roles) await must(`createRole ${role.code}`, command("createRole", "CreateRole", role, token))
  const queue = [...plan.users]
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
      await must(`createUser ${user.accessKey}`,
        command("createUser", "CreateUser", { ...user, email: `${user.accessKey}@soak.localhost`, name: `Soak ${user.accessKey}` }, token))
    }
  }))
  for (const [i, user] of plan.users.entries()) {
    if (i % 3 === 0) {
      await must(`setUserRole ${user.accessKey}`,
        command("setUserRole", "SetUserRole", { userAccessKey: user.accessKey, roleCode: plan.roles[i % plan.roles.length]!.code }, token))
    }
  }
})

const hot: ReadonlyArray<Aggregate> = [
  ...plan.hotUsers.map((key) => ({ kind: "user" as const, key })),
  ...plan.hotRoles.map((key) => ({ kind: "role" as const, key }))
]

/** One virtual client, until `endAt`: picks an operation by weight, sends it, records the answer. */
const client = (index: number, recorder: Recorder, ledger: Ledger, endAt: number) =>
  Effect.promise(async () => {
    let token = await signIn(plan.admin.accessKey, plan.admin.password)
    const live = new Map(hot.map((aggregate) => [aggregateName(aggregate), [] as Array<string>]))
    const picks = Object.entries(plan.mix) as ReadonlyArray<[Pick, number]>
    const weight = picks.reduce((sum, [, w]) => sum + w, 0)
    let sequence = 0
    const timed = async (operation: Operation, send: () => Promise<Http.Answer>) => {
      const started = performance.now()
      const answer = await send()
      recorder.record(operation, started, answer)
      return answer
    }

    const grantWrite = async (kind: "user" | "role") => {
      const aggregate = pickFrom(hot.filter((candidate) => candidate.kind === kind))
      const tokens = live.get(aggregateName(aggregate))!
      const target = kind === "user" ? { accessKey: aggregate.key } : { code: aggregate.key }
      const [attach, detach, input] = kind === "user"
        ? ["attachUserPermissions", "detachUserPermissions", "UserPermissions"] as const
        : ["attachRolePermissions", "detachRolePermissions", "RolePermissions"] as const
      if (tokens.length >= plan.maxLivePerClient || (tokens.length > 0 && Math.random() < 0.5)) {
        // The oldest first: a token is detached at most once, after its attach was answered.
        const scopeToken = tokens[0]!
        const answer = await timed(detach, () => command(detach, `Detach${input}`, { ...target, permissions: [Http.hotGrant([scopeToken])] }, token))
        const outcome = answer.ok ? "detached" : answer.definite ? null : "uncertain"
        if (outcome !== null) tokens.shift()
        ledger.detached(aggregate, scopeToken, outcome)
      } else {
        const scopeToken = `c${String(index).padStart(2, "0")}-${String(++sequence).padStart(7, "0")}`
        const answer = await timed(attach, () => command(attach, `Attach${input}`, { ...target, permissions: [Http.hotGrant([scopeToken])] }, token))
        const outcome = answer.ok ? "attached" : answer.definite ? null : "uncertain"
        if (outcome === "attached") tokens.push(scopeToken)
        ledger.attached(aggregate, scopeToken, outcome)
      }
    }

    const run: Record<Pick, () => Promise<unknown>> = {
      users: () => timed("users", () => Http.post(plan.baseUrl, Http.documents.users, {}, token)),
      // Half on the hot users, whose grants are being written.
      user: () => timed("user", () =>
        Http.post(plan.baseUrl, Http.documents.user, { accessKey: Math.random() < 0.5 ? pickFrom(plan.hotUsers) : pickFrom(plan.users).accessKey }, token)),
      roles: () => timed("roles", () => Http.post(plan.baseUrl, Http.documents.roles, {}, token)),
      userGrant: () => grantWrite("user"),
      roleGrant: () => grantWrite("role"),
      // Never overridePermissions: it would replace the hot grants the ledger follows. It still saves the user, so it races them.
      setUserRole: () => timed("setUserRole", () =>
        command("setUserRole", "SetUserRole", {
          userAccessKey: Math.random() < 0.5 ? pickFrom(plan.hotUsers) : pickFrom(plan.users).accessKey,
          roleCode: pickFrom(plan.roles).code,
          overridePermissions: false
        }, token)),
      // Half as the administrator, whose fresh token the client then uses (so tokens never expire on a long soak).
      authenticate: async () => {
        const user = Math.random() < 0.5 ? plan.admin : pickFrom(plan.users)
        const answer = await timed("authenticate", () => Http.post(plan.baseUrl, Http.documents.authenticate, { command: user }))
        if (answer.ok && user === plan.admin) token = answer.data!["authenticate"].token.value
      }
    }

    while (performance.now() < endAt) {
      let roll = Math.random() * weight
      const [pick] = picks.find(([, w]) => (roll -= w) < 0) ?? picks[0]!
      await run[pick]()
    }
  })

/** The hot grants as the API shows them once the load has stopped. */
const readBack = Effect.promise(async () => {
  const token = await signIn(plan.admin.accessKey, plan.admin.password)
  const scopes: Record<string, ReadonlyArray<string>> = {}
  for (const aggregate of hot) {
    const answer = aggregate.kind === "user"
      ? await must(`reading ${aggregate.key}`, Http.post(plan.baseUrl, Http.documents.userGrants, { accessKey: aggregate.key }, token))
      : await must(`reading ${aggregate.key}`, Http.post(plan.baseUrl, Http.documents.roleGrants, { code: aggregate.key }, token))
    scopes[aggregateName(aggregate)] = Http.hotScope(answer.data![aggregate.kind].permissions)
  }
  return scopes
})

const program = Effect.gen(function*() {
  const setupStart = performance.now()
  yield* setUp
  const setupSeconds = (performance.now() - setupStart) / 1000
  yield* say(`  set-up: ${plan.roles.length} roles and ${plan.users.length} users created over GraphQL in ${setupSeconds.toFixed(1)} s`)

  const recorder = new Recorder()
  const ledger = new Ledger(hot)
  const start = performance.now()
  recorder.measureFrom = start + plan.warmupMs
  const endAt = recorder.measureFrom + plan.durationMs
  yield* say(`  load: ${plan.clients} clients, ${Duration.format(Duration.millis(plan.warmupMs))} warm-up, then ${Duration.format(Duration.millis(plan.durationMs))} measured…`)
  // A line at the end of each window of the measured time.
  const progress = Effect.gen(function*() {
    let last = { at: recorder.measureFrom, requests: 0 }
    for (let window = 1; ; window++) {
      yield* Effect.sleep(Duration.millis(Math.max(0, recorder.measureFrom + window * plan.bucketMs - performance.now())))
      const now = performance.now()
      const { errors, requests } = recorder.totals()
      yield* say(`    ${((now - recorder.measureFrom) / 1000).toFixed(0).padStart(5)} s: ${count(requests)} requests, ` +
        `${count(Math.round((requests - last.requests) / ((now - last.at) / 1000)))} req/s in the last window, ${count(errors)} errors`)
      last = { at: now, requests }
    }
  })
  yield* Effect.raceFirst(
    Effect.forEach(Array.from({ length: plan.clients }, (_, i) => i + 1), (i) => client(i, recorder, ledger, endAt), { concurrency: "unbounded", discard: true }),
    Effect.zipRight(progress, Effect.never)
  )
  const stopped = performance.now()
  const finalScopes = yield* readBack

  const results: Array<OperationResult> = operations.map((operation) => {
    const measured = recorder.measured.get(operation)!
    const all = recorder.all.get(operation)!
    return { operation, requests: measured.requests, ok: measured.ok, errors: Object.fromEntries(measured.errors), latency: summarize(measured.samples),
      requestsAll: all.requests, okAll: all.ok }
  })
  const errors: Record<string, number> = {}
  for (const result of results) for (const [code, n] of Object.entries(result.errors)) errors[code] = (errors[code] ?? 0) + n
  const result: LoadResult = {
    setupSeconds,
    measuredSeconds: (stopped - recorder.measureFrom) / 1000,
    operations: results,
    overall: {
      requests: results.reduce((sum, r) => sum + r.requests, 0),
      ok: results.reduce((sum, r) => sum + r.ok, 0),
      errors,
      latency: summarize([...recorder.measured.values()].flatMap((measured) => measured.samples))
    },
    timeline: recorder.buckets.map((bucket, i) => {
      const summary = summarize(bucket.samples)
      return { fromSeconds: (i * plan.bucketMs) / 1000, requests: bucket.requests, errors: bucket.errors, p50Ms: summary.p50Ms, p99Ms: summary.p99Ms }
    }),
    ledger: ledger.entries(),
    finalScopes
  }
  yield* Effect.async<void>((resume) => {
    process.stdout.write(`${JSON.stringify(result)}\n`, () => resume(Effect.void))
  })
})

NodeRuntime.runMain(program)
