/**
 * Issue 3: the time of page 1 against page 1,000 over 100,000 users on PostgreSQL. Pages are read
 * through the real read path (Queries.users → Connection.load → UserRepositoryPg.page → Keyset.window)
 * on the server's own database layer; the cursors are the ones clients get, found by walking every
 * page once. EXPLAIN shows the plans, and the same SELECT with OFFSET shows what offset paging costs.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Config, Effect, Layer } from "effect"
import * as Fs from "node:fs/promises"
import * as UserRepositoryPg from "../src/auth/adapters/postgres/UserRepositoryPg.js"
import * as Queries from "../src/auth/Queries.js"
import * as BenchDatabase from "./support/BenchDatabase.js"
import type { Benchmark } from "./support/Benchmark.js"
import * as Explain from "./support/Explain.js"
import * as Machine from "./support/Machine.js"
import * as SeedUsers from "./support/SeedUsers.js"
import { interleaved, ms, summarize, table, timed } from "./support/Stats.js"

const settings = Config.all({
  serverUrl: Config.string("BENCH_DATABASE_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  users: Config.integer("BENCH_USERS").pipe(
    Config.validate({ message: "must be a multiple of 100, at least 300", validation: (n) => n >= 300 && n % 100 === 0 }),
    Config.withDefault(100_000)
  ),
  iterations: Config.integer("BENCH_ITERATIONS").pipe(Config.withDefault(200)),
  offsetIterations: Config.integer("BENCH_OFFSET_ITERATIONS").pipe(Config.withDefault(50)),
  warmup: Config.integer("BENCH_WARMUP").pipe(Config.withDefault(20)),
  fresh: Config.boolean("BENCH_FRESH").pipe(Config.withDefault(false))
})
type Settings = Config.Config.Success<typeof settings>

const databaseName = "kingdom_bench"
const pageSize = 100
/** Change the version when the seed changes, so older databases are re-seeded rather than reused. */
const marker = (users: number) => `kingdom bench: pagination seed v1, ${users} users`
const everyUser = { _tag: "All" } as const
const resultFile = new URL("./results/pagination.json", import.meta.url)

const say = (text: string) => Effect.sync(() => console.log(text))
const count = (n: number) => n.toLocaleString("en-US")
const usersPage = (after: string | null) => Queries.users({ first: pageSize, after }, everyUser)
const withTotal = (after: string | null) => Effect.flatMap(usersPage(after), (connection) => connection.totalCount)

const check = (ok: boolean, message: string) => (ok ? Effect.void : Effect.dieMessage(`pagination benchmark: ${message}`))

const measure = (config: Settings, preparation: BenchDatabase.Preparation) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pages = config.users / pageSize
    const middle = pages / 2
    const seeded = preparation === "created" ? yield* SeedUsers.seed(sql, config.users) : undefined
    if (seeded !== undefined) yield* BenchDatabase.markSeeded(sql, databaseName, marker(config.users))
    const [stored] = yield* sql<{ readonly users: number; readonly instants: number }>`
      SELECT count(*)::int AS users, count(DISTINCT created_at)::int AS instants FROM users`
    yield* check(stored?.users === config.users, `${databaseName} holds ${stored?.users} users, not ${config.users}: run with BENCH_FRESH=1`)
    yield* say(`database ${databaseName}: ${preparation === "reused" ? "reused (already seeded; BENCH_FRESH=1 re-seeds)" : `created and seeded in ${seeded!.seconds.toFixed(1)} s`}; ` +
      `${count(config.users)} users over ${count(stored!.instants)} distinct created_at instants (ties broken by id)`)
    const machine = yield* Machine.describe(sql)
    yield* say(`machine: ${Machine.line(machine)}`)

    // Every page once, through the public API; cursors[k - 1] is the `after` that reads page k.
    const cursors: Array<string | null> = [null]
    const walked: Array<string> = []
    const [walkMs] = yield* timed(Effect.gen(function*() {
      for (let page = 1; page <= pages; page++) {
        const connection = yield* usersPage(cursors[page - 1]!)
        walked.push(...connection.nodes.map((user) => user.id))
        cursors.push(connection.pageInfo.endCursor)
        if (page === pages) yield* check(!connection.pageInfo.hasNextPage && connection.nodes.length === pageSize, "the last page is not full and final")
      }
    }))
    const ordered = yield* sql<{ readonly id: string }>`SELECT id FROM users ORDER BY created_at, id`
    yield* check(walked.length === ordered.length && ordered.every((row, i) => row.id === walked[i]), "the walk does not list every user once in (created_at, id) order")
    yield* say(`walk: ${count(pages)} pages in ${(walkMs / 1000).toFixed(2)} s (${ms(walkMs / pages)} ms a page); every user once, in ORDER BY created_at, id order`)

    // Page 2 is the control: like every page after the first it also asks EXISTS (hasPreviousPage), so
    // page 2 vs the last page isolates depth, and page 1 vs page 2 the extra statement.
    const targets = [["page 1", null], ["page 2", cursors[1]!], [`page ${count(middle)}`, cursors[middle - 1]!], [`page ${count(pages)}`, cursors[pages - 1]!]] as const
    const apiCases = targets.flatMap(([label, after]) => [[label, usersPage(after)], [`${label} + totalCount`, withTotal(after)]] as const)
    yield* say(`timing ${apiCases.length} cases x ${config.iterations} (after ${config.warmup} warm-up rounds), interleaved…`)
    yield* interleaved(apiCases, config.warmup)
    const api = yield* interleaved(apiCases, config.iterations)

    // The statements the repository really sends, and the same SELECT paged with OFFSET.
    const [, firstStatements] = yield* Explain.capture(usersPage(null))
    const [, lastStatements] = yield* Explain.capture(withTotal(cursors[pages - 1]!))
    const rowsOf = (statements: ReadonlyArray<Explain.Captured>) => statements.find((s) => s.sql.includes("ORDER BY"))!
    const first = rowsOf(firstStatements)
    const last = rowsOf(lastStatements)
    const exists = lastStatements.find((s) => s.sql.includes("EXISTS"))!
    const total = lastStatements.find((s) => s.sql.includes("count(*)"))!
    const limit = /LIMIT (\$\d+)\s*$/.exec(first.sql)
    yield* check(limit !== null && exists !== undefined && total !== undefined, `unexpected statements: ${JSON.stringify(lastStatements.map((s) => s.sql))}`)
    const offset = { sql: first.sql.replace(/LIMIT (\$\d+)\s*$/, (_, parameter: string) => `OFFSET ${(pages - 1) * pageSize} LIMIT ${parameter}`), params: first.params }
    // OFFSET done well ("deferred join"): skip over keys only, then read the page's rows and grants.
    const keysOnly = { sql: first.sql.replace(/LIMIT (\$\d+)\s*$/, "LIMIT $1").replace(" WHERE 1=1 ORDER BY",
      ` WHERE u.id IN (SELECT id FROM users ORDER BY created_at, id OFFSET ${(pages - 1) * pageSize} LIMIT $1) ORDER BY`), params: first.params }
    yield* check(keysOnly.sql.includes("u.id IN"), `unexpected page 1 statement: ${first.sql}`)
    const run = (statement: Explain.Captured) => sql.unsafe<{ readonly id: string }>(statement.sql, statement.params)
    const ids = (rows: ReadonlyArray<{ readonly id: string }>) => JSON.stringify(rows.map((row) => row.id))
    const keysetIds = ids(yield* run(last))
    yield* check(keysetIds === ids(yield* run(offset)) && keysetIds === ids(yield* run(keysOnly)), "OFFSET and keyset disagree on the last page")
    const sqlCases = [["page 1, keyset SQL only", run(first)], [`page ${count(pages)}, keyset SQL only`, run(last)], [`page ${count(pages)}, OFFSET SQL only`, run(offset)],
      [`page ${count(pages)}, OFFSET keys-only SQL`, run(keysOnly)]] as const
    yield* say(`timing the statements alone, ${config.offsetIterations} each…`)
    yield* interleaved(sqlCases, Math.min(5, config.warmup))
    const raw = yield* interleaved(sqlCases, config.offsetIterations)

    const plans = {
      "page 1 rows": yield* Explain.explain(sql, first),
      [`page ${count(pages)} rows`]: yield* Explain.explain(sql, last),
      [`page ${count(pages)} EXISTS (hasPreviousPage)`]: yield* Explain.explain(sql, exists),
      "totalCount": yield* Explain.explain(sql, total),
      [`page ${count(pages)} with OFFSET`]: yield* Explain.explain(sql, offset),
      [`page ${count(pages)} with OFFSET on keys only`]: yield* Explain.explain(sql, keysOnly)
    }

    const results = [...api, ...raw].map(([name, samples]) => ({ case: name, ...summarize(samples) }))
    const p50 = (name: string) => results.find((r) => r.case === name)!.p50Ms
    const mean = (name: string) => results.find((r) => r.case === name)!.meanMs
    const lastLabel = `page ${count(pages)}`
    const ratios = {
      lastOverFirstP50: p50(lastLabel) / p50("page 1"),
      lastOverFirstMean: mean(lastLabel) / mean("page 1"),
      lastOverSecondP50: p50(lastLabel) / p50("page 2"),
      lastOverFirstWithTotalP50: p50(`${lastLabel} + totalCount`) / p50("page 1 + totalCount"),
      offsetOverKeysetSqlP50: p50(`${lastLabel}, OFFSET SQL only`) / p50(`${lastLabel}, keyset SQL only`),
      keysOnlyOffsetOverKeysetSqlP50: p50(`${lastLabel}, OFFSET keys-only SQL`) / p50(`${lastLabel}, keyset SQL only`)
    }

    yield* say(`\n${table(
      ["case (ms)", "n", "mean", "p50", "p99", "min", "max"],
      results.map((r) => [r.case, String(r.n), ms(r.meanMs), ms(r.p50Ms), ms(r.p99Ms), ms(r.minMs), ms(r.maxMs)])
    )}\n`)
    yield* say(`${lastLabel} / page 1: p50 x${ratios.lastOverFirstP50.toFixed(2)}, mean x${ratios.lastOverFirstMean.toFixed(2)}; ` +
      `with totalCount p50 x${ratios.lastOverFirstWithTotalP50.toFixed(2)}; ${lastLabel} / page 2 (both ask EXISTS): p50 x${ratios.lastOverSecondP50.toFixed(2)}`)
    yield* say(`OFFSET ${count((pages - 1) * pageSize)} LIMIT ${pageSize + 1} / keyset, same SELECT, SQL only: p50 x${ratios.offsetOverKeysetSqlP50.toFixed(1)}; ` +
      `OFFSET over keys only, then the page's rows: x${ratios.keysOnlyOffsetOverKeysetSqlP50.toFixed(1)}`)
    yield* say(`\nEXPLAIN (ANALYZE, BUFFERS), once each:`)
    for (const [name, plan] of Object.entries(plans)) {
      const scans = plan.userScans.map((s) => `${s.node}${s.index ? ` using ${s.index}` : ""} read ${count(s.rows * s.loops)} users rows${s.cond ? ` where ${s.cond}` : ""}`)
      yield* say(`  ${name}: ${scans.join("; ") || "no scan of users"}; keyset index ${plan.usesKeysetIndex ? "yes" : "no"}, sort ${plan.sorts ? "yes" : "no"}; ` +
        `buffers ${count(plan.buffersHit)} hit + ${count(plan.buffersRead)} read; ${ms(plan.executionMs)} ms`)
      yield* say(`    ${plan.outline}`)
    }

    yield* Effect.promise(async () => {
      await Fs.mkdir(new URL(".", resultFile), { recursive: true })
      await Fs.writeFile(resultFile, JSON.stringify({
        benchmark: "pagination",
        measuredAt: new Date().toISOString(),
        machine,
        setup: { database: databaseName, preparation, seedSeconds: seeded?.seconds ?? null, grants: seeded?.grants ?? null, users: config.users, distinctCreatedAt: stored!.instants, pageSize, iterations: config.iterations, offsetIterations: config.offsetIterations, warmup: config.warmup },
        walk: { pages, totalMs: walkMs, meanMsPerPage: walkMs / pages },
        results,
        ratios,
        statements: { page1: first.sql, lastPage: last.sql, exists: exists.sql, count: total.sql, offset: offset.sql, offsetKeysOnly: keysOnly.sql },
        explain: plans
      }, null, 2) + "\n")
    })
    yield* say(`\nwrote ${resultFile.pathname}`)
  })

export const benchmark: Benchmark = {
  name: "pagination",
  summary: "users page 1 vs page 1,000 (keyset) over 100,000 users on PostgreSQL, and OFFSET for comparison",
  run: Effect.gen(function*() {
    const config = yield* settings
    const preparation = yield* BenchDatabase.prepare(config.serverUrl, databaseName, marker(config.users), config.fresh)
    const layer = Layer.provideMerge(UserRepositoryPg.layer, BenchDatabase.layer(BenchDatabase.urlOf(config.serverUrl, databaseName)))
    yield* Effect.provide(measure(config, preparation), layer)
  })
}
