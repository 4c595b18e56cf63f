/**
 * Issue 7: our server side by side with what users would pick instead, on the same work, in one run.
 * Ours (src/main.ts in production mode), graphql-yoga, Mercurius + graphql-jit and a bare node:http +
 * graphql-js server serve the same schema slice over the same database with the same SQL
 * (bench/peers/); a fixed-response node:http server is the ceiling. Each is its own process, loaded by
 * autocannon from another process over loopback (support/CompareLoad.ts): per scenario a warm-up, then
 * rounds in which every server takes a turn (the order rotating), and the median of the rounds. Then
 * our `me` p99 with concurrent logins beside it, and our resident memory over a long mixed load.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Config, Context, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Database from "../src/database/Database.js"
import * as BenchDatabase from "./support/BenchDatabase.js"
import type { Benchmark } from "./support/Benchmark.js"
import * as Check from "./support/CompareCheck.js"
import * as LoadProcess from "./support/CompareLoadProcess.js"
import * as Report from "./support/CompareReport.js"
import * as Scenarios from "./support/CompareScenarios.js"
import * as CompareSeed from "./support/CompareSeed.js"
import * as CompareSql from "./support/CompareSql.js"
import * as Runs from "./support/CompareRuns.js"
import * as Servers from "./support/CompareServers.js"
import * as SmtpStub from "./support/SmtpStub.js"
import * as Machine from "./support/Machine.js"
import { ms, table } from "./support/Stats.js"

const listOf = <A extends string>(name: string, known: ReadonlyArray<A>, fallback: ReadonlyArray<A>) =>
  Config.string(name).pipe(
    Config.map((text) => text.split(",").map((item) => item.trim()).filter((item) => item !== "")),
    Config.validate({
      message: `a comma-separated list of ${known.join(", ")}`,
      validation: (items): items is Array<A> => items.every((item) => (known as ReadonlyArray<string>).includes(item))
    }),
    Config.map((items): ReadonlyArray<A> => items),
    Config.withDefault(fallback)
  )
const seconds = (name: string, fallback: number, min: number) =>
  Config.integer(name).pipe(Config.validate({ message: `must be at least ${min}`, validation: (n) => n >= min }), Config.withDefault(fallback))

const settings = Config.all({
  serverUrl: Config.string("BENCH_DATABASE_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  databases: listOf<Report.DatabaseName>("BENCH_TARGETS", ["pg", "pglite"], ["pg", "pglite"]),
  servers: listOf<Servers.ServerName>("BENCH_SERVERS", Servers.serverNames, Servers.serverNames),
  scenarios: listOf<Scenarios.ScenarioName>("BENCH_SCENARIOS", Scenarios.scenarioNames, Scenarios.scenarioNames),
  duration: seconds("BENCH_DURATION", 1, 1),
  rounds: seconds("BENCH_ROUNDS", 4, 1),
  warmup: seconds("BENCH_WARMUP", 1, 0),
  connections: seconds("BENCH_CONNECTIONS", 32, 1),
  logins: seconds("BENCH_LOGINS", 20, 1),
  loginServers: listOf<Servers.ServerName>("BENCH_LOGIN_SERVERS", Servers.serverNames, ["ours"]),
  memoryDuration: seconds("BENCH_MEMORY_DURATION", 300, 0),
  memoryDatabase: Config.literal("pg", "pglite")("BENCH_MEMORY_TARGET").pipe(Config.withDefault("pglite" as const)),
  profileDir: Config.option(Config.string("BENCH_PROFILE"))
})
type Settings = Config.Config.Success<typeof settings>

const databaseName = "kingdom_bench_compare"
const resultJson = new URL("./results/compare.json", import.meta.url)
const resultMarkdown = new URL("./results/compare.md", import.meta.url)
const recordSql = fileURLToPath(new URL("./support/RecordSql.ts", import.meta.url))
const say = (text: string) => Effect.sync(() => console.log(text))
const fail = (message: string) => Effect.dieMessage(`compare benchmark: ${message}`)
/** Our server's data directory under each copy; peers open its pgdata (src/database/Database.ts's layout). */
const pgdata = (dir: string) => Path.join(dir, "pgdata")

interface Shared {
  readonly config: Settings
  readonly load: LoadProcess.LoadGenerator
  readonly workDir: string
  readonly jwtSecret: string
  readonly smtpUrl: string
}

/** The database of one phase, seeded: PostgreSQL's own URL, or PGlite data directories (one copy per server). */
const prepareDatabase = (shared: Shared, database: Report.DatabaseName) =>
  Effect.gen(function*() {
    if (database === "pg") {
      yield* BenchDatabase.prepare(shared.config.serverUrl, databaseName, "", true)
      yield* Effect.addFinalizer(() => Effect.orDie(BenchDatabase.drop(shared.config.serverUrl, databaseName)))
      const url = BenchDatabase.urlOf(shared.config.serverUrl, databaseName)
      const context = yield* Layer.build(BenchDatabase.layer(url))
      const sql = Context.get(context, SqlClient.SqlClient)
      yield* CompareSeed.seed(sql)
      return { env: (_: Servers.ServerName) => ({ DATABASE_URL: url }), sql: Option.some(sql) }
    }
    const template = Path.join(shared.workDir, "pglite-template")
    yield* Effect.scoped(Effect.flatMap(
      Layer.build(Database.layer({ url: Option.none(), dataDir: template, migrateOnStart: true, poolMax: 1 })),
      (context) => CompareSeed.seed(Context.get(context, SqlClient.SqlClient))
    ))
    const copyFor = (server: Servers.ServerName) => {
      const dir = Path.join(shared.workDir, `pglite-${server}`)
      Fs.cpSync(template, dir, { recursive: true })
      return dir
    }
    return {
      env: (server: Servers.ServerName) => server === "ours" ? { DATA_DIR: copyFor(server) } : { PGLITE_DIR: pgdata(copyFor(server)) },
      sql: Option.none<SqlClient.SqlClient>()
    }
  })

const environmentOf = (shared: Shared, server: Servers.ServerName, database: Record<string, string>): Record<string, string> => {
  if (server !== "ours") return { ...database, JWT_SECRET: shared.jwtSecret, NODE_ENV: "production" }
  // Ours reads everything src/Config.ts knows, so tuning variables (LOG_LEVEL, DATABASE_POOL_MAX, …) pass through.
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] =>
    entry[1] !== undefined && !["DATABASE_URL", "DATA_DIR", "NATS_URL", "HOST", "PORT"].includes(entry[0])))
  // The sign-in limits exist to refuse what scenario (4) does (one account, one address, hundreds of
  // sign-ins a second); lifted, unless set, so that it measures the sign-in and not the refusal.
  // Sign-ins in flight count as failures until they succeed, so 32 at once also trip the backoff.
  const unthrottled = { RATE_LIMIT_ADDRESS: "1000000", RATE_LIMIT_SIGN_IN: "1000000", LOGIN_BACKOFF_AFTER: "1000", LOGIN_BACKOFF_ACCOUNT_AFTER: "100000" }
  return { ...unthrottled, ...inherited, ...database, NODE_ENV: "production", JWT_SECRET: shared.jwtSecret, SMTP_URL: shared.smtpUrl }
}

/** Node options for our server: CPU profiles, in <dir>/ours-<database>/, when BENCH_PROFILE names a directory. */
const nodeOptionsOf = (shared: Shared, server: Servers.ServerName, database: Report.DatabaseName) =>
  server !== "ours" ? [] : Option.match(shared.config.profileDir, {
    onNone: () => [],
    // One profile per thread (tsx's loader has one of its own), so no fixed file name.
    onSome: (dir) => ["--cpu-prof", `--cpu-prof-dir=${Path.resolve(dir, `ours-${database}`)}`]
  })

const phase = (shared: Shared, database: Report.DatabaseName, withCeiling: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const { config } = shared
    yield* say(`\n--- ${Report.databaseTitles[database]}`)
    const prepared = yield* prepareDatabase(shared, database)
    const machine = yield* Option.match(prepared.sql, { onNone: () => Effect.succeed(undefined), onSome: (sql) => Machine.describe(sql) })
    const logDir = Path.join(shared.workDir, `logs-${database}`)
    Fs.mkdirSync(logDir, { recursive: true })
    const names = config.servers.filter((name) => name !== "ceiling")
    // On PostgreSQL every server logs the statements it sends while it is checked (RecordSql.ts), then stops logging.
    const sqlLogs = Option.map(prepared.sql, () => (server: Servers.ServerName) => Path.join(logDir, `${server}.sql.log`))
    const recording = (name: Servers.ServerName) =>
      Option.match(sqlLogs, { onNone: () => [{}, []] as const, onSome: (of) => [{ BENCH_SQL_LOG: of(name) }, ["--import", recordSql]] as const })
    const servers = yield* Effect.forEach(names, (name) => {
      const [logEnv, logImport] = recording(name)
      return Servers.start(name, { ...environmentOf(shared, name, prepared.env(name)), ...logEnv }, logDir, [...logImport, ...nodeOptionsOf(shared, name, database)])
    }, { concurrency: "unbounded" })
    const ours = servers.find((s) => s.name === "ours")!
    // Each server signs its callers in itself: a token names a session, and on PGlite each has its own copy of the sessions.
    const signedIn = new Map<Servers.ServerName, Scenarios.Tokens>()
    for (const server of servers) {
      signedIn.set(server.name, { admin: yield* Check.signIn(server, CompareSeed.seeded.admin), member: yield* Check.signIn(server, CompareSeed.seeded.member) })
    }
    const tokens = signedIn.get("ours")!
    const tokensOf = (name: Servers.ServerName) => signedIn.get(name) ?? tokens
    const { answers, parity, statements } = yield* Check.verify(servers, tokensOf, prepared.sql, sqlLogs)
    if (Option.isSome(sqlLogs)) for (const server of servers) process.kill(server.pid, "SIGUSR2")
    yield* say(`servers up (${servers.map((s) => s.name).join(", ")}); every one answers the four scenarios with our data`)
    if (Option.isSome(sqlLogs)) {
      const differing = parity.filter((p) => !p.same)
      yield* say(differing.length === 0
        ? "SQL: every peer sent exactly our statements, in our order, for every scenario"
        : `SQL DIFFERS FROM OURS (update bench/peers/Sql.ts and Api.ts to what ours sends):\n${differing.map((p) => `  ${p.scenario}, ${CompareSql.describe(p)}`).join("\n")}`)
    }
    let all = servers
    if (withCeiling) {
      const bodies = Path.join(shared.workDir, "ceiling-bodies.json")
      Fs.writeFileSync(bodies, JSON.stringify(answers))
      all = [...servers, yield* Servers.start("ceiling", { CEILING_BODIES: bodies }, logDir)]
    }
    const cells: Array<Report.Cell> = []
    for (const scenario of config.scenarios) {
      yield* say(`${Scenarios.titles[scenario]}:`)
      cells.push(...(yield* Runs.measureScenario(shared.load, config, database, scenario, all, tokensOf)))
    }
    const logins = yield* Effect.forEach(servers.filter((s) => config.loginServers.includes(s.name)), (server) => Runs.measureLogins(shared.load, config, database, server, tokensOf(server.name)))
    const memory = database === config.memoryDatabase && config.memoryDuration > 0 ? yield* Runs.measureMemory(shared.load, config, database, ours, tokens) : undefined
    return { cells, logins, memory, machine, parity: Option.isSome(sqlLogs) ? { checks: parity, ours: statements } : undefined }
  }))

const describeMachine = (found: Machine.Machine | undefined): Machine.Machine =>
  found ?? {
    cpu: Os.cpus()[0]?.model ?? "unknown",
    cores: Os.cpus().length,
    memoryGiB: Math.round(Os.totalmem() / 2 ** 30),
    os: `${Os.platform()} ${Os.release()} ${Os.arch()}`,
    node: process.version,
    postgres: "not used",
    sharedBuffers: "not used"
  }

export const benchmark: Benchmark = {
  name: "compare",
  summary: "ours vs graphql-yoga, Mercurius + graphql-jit, bare node:http + graphql-js and a fixed response: req/s, p50/p99, errors on four operations, PostgreSQL and PGlite",
  run: Effect.gen(function*() {
    const config = yield* settings
    if (!config.servers.includes("ours")) return yield* fail("BENCH_SERVERS must include ours: every ratio is to ours")
    const startedAt = Date.now()
    // Seconds: each phase's scenarios (the ceiling in the first only), logins, ~25 s of set-up, and the soak.
    const turn = config.warmup + config.rounds * config.duration
    const withDatabase = config.servers.filter((name) => name !== "ceiling").length
    const estimate = config.databases.length * (config.scenarios.length * withDatabase * turn + config.loginServers.length * Runs.loginRounds(config) * config.duration * 2 + 25) +
      (config.servers.includes("ceiling") ? config.scenarios.length * turn : 0) + (config.databases.includes(config.memoryDatabase) ? config.memoryDuration : 0)
    yield* say(`${config.servers.join(", ")} on ${config.databases.join(", ")}; ${config.connections} connections, warm-up ${config.warmup} s, ` +
      `${config.rounds} rounds of ${config.duration} s per server and scenario; about ${(estimate / 60).toFixed(1)} minutes`)
    const workDir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-compare-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const shared: Shared = {
      config,
      load: yield* LoadProcess.start,
      workDir,
      jwtSecret: randomBytes(32).toString("base64url"),
      smtpUrl: yield* SmtpStub.start
    }
    const phases = []
    for (const [i, database] of config.databases.entries()) phases.push(yield* phase(shared, database, i === 0 && config.servers.includes("ceiling")))
    const cells = phases.flatMap((p) => p.cells)
    const logins = phases.flatMap((p) => p.logins)
    const memory = phases.find((p) => p.memory !== undefined)?.memory
    const sql = phases.find((p) => p.parity !== undefined)?.parity
    const sqlParity = sql?.checks ?? []
    const machine = describeMachine(phases.find((p) => p.machine !== undefined)?.machine)
    const targets = Report.targets(cells, config.databases, logins.filter((l) => l.server === "ours"), memory)
    const elapsedSeconds = (Date.now() - startedAt) / 1000
    const cellTable = table(Report.header, Report.rows(cells))
    const targetTable = table(["target", "measured", ""], Report.targetRows(targets))
    yield* say(`\n${cellTable}\n\n${targetTable}\n\nmachine: ${Machine.line(machine)}; whole run ${(elapsedSeconds / 60).toFixed(1)} minutes`)
    const setup = {
      connections: config.connections, warmupSeconds: config.warmup, rounds: config.rounds, roundSeconds: config.duration, logins: config.logins,
      scenarios: config.scenarios, loginServers: config.loginServers, memorySeconds: config.memoryDuration, memoryDatabase: config.memoryDatabase, users: CompareSeed.users, servers: config.servers, databases: config.databases,
      statistic: "per server and scenario the median over rounds of req/s, p50 and p99 (nearest-rank, every answer, in the load process); errors summed over rounds"
    }
    yield* Effect.promise(async () => {
      await Fs.promises.mkdir(new URL(".", resultJson), { recursive: true })
      await Fs.promises.writeFile(resultJson, JSON.stringify({ benchmark: "compare", measuredAt: new Date().toISOString(), elapsedSeconds, machine, setup, sql, cells, logins, memory, targets }, null, 2) + "\n")
      await Fs.promises.writeFile(resultMarkdown, [
        `# compare: ${new Date().toISOString()}`, "",
        `Machine: ${Machine.line(machine)}. Whole run ${(elapsedSeconds / 60).toFixed(1)} minutes.`, "",
        `${config.connections} connections, warm-up ${config.warmup} s, ${config.rounds} rounds of ${config.duration} s per server and scenario (medians). ` +
        "Ratios are ours over the peer: req/s above 1 and p99 below 1 favour ours. The ceiling runs alongside the first database's rounds and touches no database.", "",
        Report.markdownTable(Report.header, Report.rows(cells)), "",
        Report.markdownTable(["target", "measured", ""], Report.targetRows(targets)), "",
        ...logins.map((l) => `- ${Report.databaseTitles[l.database]}, ${Servers.titles[l.server]}: (1) p99 ${ms(l.p99AloneMs)} ms alone, ${ms(l.p99WithLoginsMs)} ms with ${config.logins} concurrent logins (${l.ratio.toFixed(2)}x); logins answered ${l.loginsPerSecond.toFixed(0)}/s`),
        ...(sqlParity.length === 0 ? [] : [`- SQL (PostgreSQL): ${sqlParity.every((p) => p.same) ? "every peer sent exactly our statements for every scenario" : `differs: ${sqlParity.filter((p) => !p.same).map((p) => `${p.scenario}, ${CompareSql.describe(p)}`).join("; ")}`}`]),
        ...(memory === undefined ? [] : [`- memory (${Report.databaseTitles[memory.database]}, ${memory.seconds} s mixed load): RSS ${memory.firstMiB.toFixed(0)} → ${memory.lastMiB.toFixed(0)} MiB (${(memory.growth * 100).toFixed(1)}%), peak ${memory.peakMiB.toFixed(0)} MiB`]),
        ""
      ].join("\n"))
    })
    yield* say(`written: bench/results/compare.json, bench/results/compare.md`)
  }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))
}
