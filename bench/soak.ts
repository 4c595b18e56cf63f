/**
 * Issue 5: a soak. A mixed read/write load for minutes over HTTP against PostgreSQL: throughput,
 * p50/p99 per operation, errors by code, the server's conflict retries, and no lost updates, checked
 * at the end against a ledger of every write the API answered. The server is composed as main.ts
 * composes it, in this process (support/SoakServer.ts), so its retry counter can be read; the load
 * comes from another process (support/SoakLoad.ts) over real sockets.
 */
import { Config, Duration, Effect, Logger, LogLevel, Metric } from "effect"
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { retriesTotal } from "../src/kernel/ConflictRetry.js"
import * as BenchDatabase from "./support/BenchDatabase.js"
import type { Benchmark } from "./support/Benchmark.js"
import * as Machine from "./support/Machine.js"
import * as SoakLedger from "./support/SoakLedger.js"
import type { LoadResult, Operation, Pick, Plan } from "./support/SoakLoad.js"
import * as SoakServer from "./support/SoakServer.js"
import { ms, table } from "./support/Stats.js"
import * as Warnings from "./support/Warnings.js"

const settings = Config.all({
  serverUrl: Config.string("BENCH_DATABASE_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  duration: Config.duration("SOAK_DURATION").pipe(Config.withDefault(Duration.minutes(3))),
  warmup: Config.duration("SOAK_WARMUP").pipe(Config.withDefault(Duration.seconds(10))),
  clients: Config.integer("SOAK_CLIENTS").pipe(Config.validate({ message: "must be between 1 and 256", validation: (n) => n >= 1 && n <= 256 }), Config.withDefault(16)),
  users: Config.integer("SOAK_USERS").pipe(Config.validate({ message: "must be between 10 and 1000", validation: (n) => n >= 10 && n <= 1000 }), Config.withDefault(50)),
  keepDatabase: Config.boolean("SOAK_KEEP_DATABASE").pipe(Config.withDefault(false))
})
type Settings = Config.Config.Success<typeof settings>

const databaseName = "kingdom_bench_soak"
const resultFile = new URL("./results/soak.json", import.meta.url)
const loadProgram = fileURLToPath(new URL("./support/SoakLoad.ts", import.meta.url))
const repositoryRoot = fileURLToPath(new URL("..", import.meta.url))

/** Relative weights of what a client does next. */
const mix: Record<Pick, number> = { users: 12, user: 24, roles: 14, userGrant: 22, roleGrant: 14, setUserRole: 10, authenticate: 4 }
/** The commands behind the operations, as the retry counter tags them. */
const commandOf: Partial<Record<Operation, string>> = {
  attachUserPermissions: "AttachUserPermissions", detachUserPermissions: "DetachUserPermissions",
  attachRolePermissions: "AttachRolePermissions", detachRolePermissions: "DetachRolePermissions",
  setUserRole: "SetUserRole", authenticate: "Authenticate"
}
const writes: ReadonlyArray<Operation> = ["attachUserPermissions", "detachUserPermissions", "attachRolePermissions", "detachRolePermissions", "setUserRole"]

const say = (text: string) => Effect.sync(() => console.log(text))
const count = (n: number) => n.toLocaleString("en-US")
const perSecond = (n: number, seconds: number) => count(Math.round(n / seconds))
const check = (ok: boolean, message: string) => (ok ? Effect.void : Effect.dieMessage(`soak benchmark: ${message}`))

const planOf = (config: Settings, baseUrl: string, admin: Plan["admin"]): Plan => {
  const users = Array.from({ length: config.users }, (_, i) => ({
    accessKey: `soak-user-${String(i + 1).padStart(3, "0")}`,
    password: `soak-password-${i + 1}-${randomUUID()}`
  }))
  const grant = (resource: string, action: string, scope: ReadonlyArray<string> = []) => ({ resource, action, isConditional: scope.length > 0, scope })
  return {
    baseUrl,
    admin,
    clients: config.clients,
    warmupMs: Duration.toMillis(config.warmup),
    durationMs: Duration.toMillis(config.duration),
    bucketMs: 10_000,
    mix,
    maxLivePerClient: 4,
    users,
    roles: [
      { code: "soak-hot-1", name: "Soak hot one", permissions: [grant("user", "LIST")] },
      { code: "soak-hot-2", name: "Soak hot two", permissions: [grant("role", "LIST")] },
      { code: "soak-reader", name: "Soak reader", permissions: [grant("user", "LIST"), grant("user", "GET"), grant("role", "LIST")] },
      { code: "soak-editor", name: "Soak editor", permissions: [grant("user", "UPDATE", ["*"]), grant("role", "GET", ["soak-reader"])] }
    ],
    hotUsers: users.slice(0, 3).map((user) => user.accessKey),
    hotRoles: ["soak-hot-1", "soak-hot-2"]
  }
}

/** Runs the load generator to completion: the plan on its stdin, its progress passes through, its result is its stdout. Killed if interrupted. */
const runLoad = (plan: Plan) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      // The plan goes over stdin, not argv, which any local user can read in `ps` (it holds passwords).
      const child = spawn(process.execPath, ["--import", "tsx", loadProgram], { cwd: repositoryRoot, stdio: ["pipe", "pipe", "inherit"] })
      child.stdin.end(JSON.stringify(plan))
      return child
    }),
    (child) =>
      Effect.async<LoadResult, Error>((resume) => {
        let output = ""
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
        child.on("error", (error) => resume(Effect.fail(error)))
        child.on("close", (code, signal) =>
          resume(code === 0
            ? Effect.try({ try: () => JSON.parse(output) as LoadResult, catch: () => new Error(`the load generator's output is not JSON: ${output.slice(0, 200)}`) })
            : Effect.fail(new Error(`the load generator exited with ${signal ?? code}`))))
      }),
    (child) => Effect.sync(() => (child.exitCode === null && child.signalCode === null ? child.kill("SIGTERM") : undefined))
  )

const commandsCounted = Object.values(commandOf) as ReadonlyArray<string>
/** The server's conflict retries so far, by command (the counter is process-wide: earlier benchmarks are subtracted). */
const retries = Effect.map(
  Effect.forEach(commandsCounted, (command) => Metric.value(Metric.tagged(retriesTotal, "command", command))),
  (states) => Object.fromEntries(commandsCounted.map((command, i) => [command, states[i]!.count]))
)

/** The hot grants' scopes as stored, straight from the tables. */
const storedScopes = (sql: SoakServer.Running["sql"], plan: Plan) =>
  Effect.gen(function*() {
    const users = yield* sql<{ readonly key: string; readonly scope: ReadonlyArray<string> }>`
      SELECT u.access_key AS key, p.scope FROM user_permissions p JOIN users u ON u.id = p.user_id
      WHERE p.resource = 'user' AND p.action = 'GET' AND p.is_conditional AND ${sql.in("u.access_key", plan.hotUsers)}`
    const roles = yield* sql<{ readonly key: string; readonly scope: ReadonlyArray<string> }>`
      SELECT r.code AS key, p.scope FROM role_permissions p JOIN roles r ON r.id = p.role_id
      WHERE p.resource = 'user' AND p.action = 'GET' AND p.is_conditional AND ${sql.in("r.code", plan.hotRoles)}`
    return new Map<string, ReadonlyArray<string>>([...users.map((row) => [`user ${row.key}`, row.scope] as const), ...roles.map((row) => [`role ${row.key}`, row.scope] as const)])
  })

const measure = (config: Settings) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* SoakServer.start({ databaseUrl: BenchDatabase.urlOf(config.serverUrl, databaseName), adminPassword: `soak-admin-${randomUUID()}` })
    const machine = yield* Machine.describe(server.sql)
    const policy = server.settings.conflictRetry
    yield* say(`machine: ${Machine.line(machine)}`)
    yield* say(`server: composed as src/main.ts without NATS, in this process, at ${server.baseUrl}; pool ${server.settings.database.poolMax} (DATABASE_POOL_MAX), ` +
      `conflict retries ${policy.retries} (COMMAND_CONFLICT_RETRIES), ${Duration.format(policy.baseDelay)}–${Duration.format(policy.maxDelay)} jittered`)
    const plan = planOf(config, server.baseUrl, server.admin)
    yield* say(`load: a separate process, ${plan.clients} clients in a closed loop; mix ${Object.entries(mix).map(([pick, w]) => `${pick} ${w}`).join(", ")}; ` +
      `hot: ${plan.hotUsers.join(", ")} and ${plan.hotRoles.join(", ")}`)
    const before = yield* retries
    const [load, warnings] = yield* Warnings.counted(runLoad(plan))
    const after = yield* retries
    const retried = Object.fromEntries(commandsCounted.map((command) => [command, after[command]! - before[command]!]))
    const stored = yield* storedScopes(server.sql, plan)
    return { plan, load, retried, stored, warnings: Object.fromEntries(warnings), machine, policy, poolMax: server.settings.database.poolMax }
  }))

type Measured = Effect.Effect.Success<ReturnType<typeof measure>>

const report = ({ load, plan, retried, stored }: Measured) => {
  const seconds = load.measuredSeconds
  const window = plan.bucketMs / 1000
  const retriesOf = (operation: Operation) => (commandOf[operation] === undefined ? undefined : retried[commandOf[operation]!])
  const errorsText = (errors: Readonly<Record<string, number>>) => Object.entries(errors).map(([code, n]) => `${code} ${count(n)}`).join(", ") || "-"
  const operations = table(
    ["operation", "requests", "req/s", "p50 ms", "p99 ms", "mean ms", "max ms", "errors", "retries", "retries/req"],
    [...load.operations.map((r) => {
      const n = retriesOf(r.operation)
      return [r.operation, count(r.requests), perSecond(r.requests, seconds), ms(r.latency.p50Ms), ms(r.latency.p99Ms), ms(r.latency.meanMs), ms(r.latency.maxMs),
        errorsText(r.errors), n === undefined ? "-" : count(n), n === undefined ? "-" : (n / Math.max(1, r.requestsAll)).toFixed(4)]
    }), ["all", count(load.overall.requests), perSecond(load.overall.requests, seconds), ms(load.overall.latency.p50Ms), ms(load.overall.latency.p99Ms),
      ms(load.overall.latency.meanMs), ms(load.overall.latency.maxMs), errorsText(load.overall.errors), count(Object.values(retried).reduce((a, b) => a + b, 0)), ""]]
  )
  const timeline = table([`from s (${window} s windows)`, "req/s", "errors", "p50 ms", "p99 ms"],
    load.timeline.map((b) => [String(b.fromSeconds), perSecond(b.requests, Math.min(window, seconds - b.fromSeconds)), count(b.errors), ms(b.p50Ms), ms(b.p99Ms)]))
  const comparisons = load.ledger.map((entry) => {
    const name = SoakLedger.aggregateName(entry.aggregate)
    return {
      entry,
      sql: SoakLedger.compare(entry, stored.get(name) ?? []),
      graphql: SoakLedger.compare(entry, load.finalScopes[name] ?? []),
      agree: JSON.stringify([...(stored.get(name) ?? [])].sort()) === JSON.stringify([...(load.finalScopes[name] ?? [])].sort())
    }
  })
  const ledger = table(["hot grant (user GET, scoped)", "attaches ok", "detaches ok", "expected", "stored", "uncertain", "missing", "resurrected", "unknown", "API = SQL"],
    comparisons.map(({ agree, entry, sql }) => [sql.aggregate, count(entry.attaches), count(entry.detaches), String(sql.expected), String(sql.stored), String(sql.uncertain),
      String(sql.missing.length), String(sql.resurrected.length), String(sql.unknown.length), agree ? "yes" : "NO"]))
  return { operations, timeline, ledger, comparisons }
}

export const benchmark: Benchmark = {
  name: "soak",
  summary: "mixed read/write GraphQL load over HTTP on PostgreSQL for minutes: req/s, p50/p99 per operation, errors, conflict retries, lost updates (must be 0)",
  run: Effect.gen(function*() {
    const config = yield* settings
    yield* BenchDatabase.prepare(config.serverUrl, databaseName, "", true)
    yield* say(`database ${databaseName}: created afresh; migrated by the server's database layer${config.keepDatabase ? "; kept afterwards (SOAK_KEEP_DATABASE)" : "; dropped afterwards"}`)
    const measured = yield* measure(config).pipe(
      Effect.ensuring(config.keepDatabase ? Effect.void : Effect.orDie(BenchDatabase.drop(config.serverUrl, databaseName)))
    )
    const { load, retried } = measured
    const { comparisons, ledger, operations, timeline } = report(measured)
    const writeRequests = writes.reduce((sum, op) => sum + load.operations.find((r) => r.operation === op)!.requestsAll, 0)
    const writeRetries = writes.reduce((sum, op) => sum + retried[commandOf[op]!]!, 0)
    const lost = comparisons.reduce((sum, c) => sum + SoakLedger.lostUpdates(c.sql) + SoakLedger.lostUpdates(c.graphql), 0)
    const internal = load.overall.errors["INTERNAL_SERVER_ERROR"] ?? 0
    const conflicts = load.overall.errors["CONFLICT"] ?? 0
    const retryRate = writeRetries / Math.max(1, writeRequests)
    yield* say(`\n${operations}\n`)
    yield* say(`${count(load.overall.requests)} requests in ${load.measuredSeconds.toFixed(1)} s measured (after ${Duration.format(config.warmup)} of warm-up): ` +
      `${perSecond(load.overall.requests, load.measuredSeconds)} req/s; p50 ${ms(load.overall.latency.p50Ms)} ms, p99 ${ms(load.overall.latency.p99Ms)} ms; ` +
      `set-up ${load.setupSeconds.toFixed(1)} s`)
    yield* say(`conflict retries (server counter, warm-up included): ${count(writeRetries)} over ${count(writeRequests)} write requests = ${retryRate.toFixed(4)} retries per write; ` +
      `CONFLICT answered ${count(conflicts)}, INTERNAL_SERVER_ERROR ${count(internal)}`)
    for (const [warning, n] of Object.entries(measured.warnings)) yield* say(`the server's process warned ${count(n)} times: ${warning}`)
    yield* say(`\nover time:\n${timeline}\n`)
    yield* say(`lost-update check, every hot grant as stored (SQL) and as the API shows it, against the clients' ledgers:\n${ledger}`)
    yield* say(lost === 0
      ? `lost updates: 0 (every attach answered success is stored, every detach answered success is gone, nothing else is there)`
      : `LOST UPDATES: ${lost}: ${JSON.stringify(comparisons.filter((c) => SoakLedger.lostUpdates(c.sql) + SoakLedger.lostUpdates(c.graphql) > 0).map((c) => ({ sql: c.sql, graphql: c.graphql })))}`)

    yield* Effect.promise(async () => {
      await Fs.mkdir(new URL(".", resultFile), { recursive: true })
      await Fs.writeFile(resultFile, JSON.stringify({
        benchmark: "soak",
        measuredAt: new Date().toISOString(),
        machine: measured.machine,
        setup: {
          database: databaseName,
          duration: Duration.format(config.duration),
          warmup: Duration.format(config.warmup),
          clients: config.clients,
          users: config.users,
          roles: measured.plan.roles.map((role) => role.code),
          hotUsers: measured.plan.hotUsers,
          hotRoles: measured.plan.hotRoles,
          mix,
          maxLivePerClient: measured.plan.maxLivePerClient,
          poolMax: measured.poolMax,
          conflictRetry: { retries: measured.policy.retries, baseDelay: Duration.format(measured.policy.baseDelay), maxDelay: Duration.format(measured.policy.maxDelay) },
          latency: "performance.now() in the load process from sending the request to having parsed the answer, every answer in the measured window (errors included); p99 nearest-rank"
        },
        setupSeconds: load.setupSeconds,
        measuredSeconds: load.measuredSeconds,
        throughputPerSecond: load.overall.requests / load.measuredSeconds,
        overall: load.overall,
        operations: load.operations.map((r) => ({ ...r, perSecond: r.requests / load.measuredSeconds, conflictRetries: commandOf[r.operation] === undefined ? null : retried[commandOf[r.operation]!] })),
        conflictRetries: { byCommand: retried, writes: writeRetries, writeRequests, perWrite: retryRate },
        timeline: load.timeline,
        processWarnings: measured.warnings,
        lostUpdates: { total: lost, byAggregate: comparisons.map((c) => ({ ...c.sql, attaches: c.entry.attaches, detaches: c.entry.detaches, apiMatchesSql: c.agree })) }
      }, null, 2) + "\n")
    })
    yield* say(`\nwrote ${resultFile.pathname}`)
    yield* check(lost === 0, `${lost} lost updates (see above)`)
    yield* check(comparisons.every((c) => c.agree), "the API and the tables disagree on a hot grant after the load")
    yield* check(internal === 0, `${internal} INTERNAL_SERVER_ERROR answers`)
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
}
