/**
 * The comparison's timed runs: per scenario a warm-up and rotating rounds over the servers, query (1)
 * with and without concurrent sign-ins, and our resident memory over a long mixed load. All load comes
 * from the load generator's process (CompareLoad.ts).
 */
import { Effect, Fiber } from "effect"
import * as Check from "./CompareCheck.js"
import type { LoadRequest, RunResult, RunSpec } from "./CompareLoad.js"
import type { LoadGenerator } from "./CompareLoadProcess.js"
import * as Report from "./CompareReport.js"
import * as Scenarios from "./CompareScenarios.js"
import * as CompareSeed from "./CompareSeed.js"
import type * as Servers from "./CompareServers.js"
import { ms, table } from "./Stats.js"

export interface RunSettings {
  readonly connections: number
  readonly warmup: number
  readonly rounds: number
  readonly duration: number
  readonly logins: number
  readonly memoryDuration: number
}

const say = (text: string) => Effect.sync(() => console.log(text))

/** Rounds of the logins test: alone and beside logins alternate, so three pairs already show the effect. */
export const loginRounds = (config: RunSettings) => Math.min(config.rounds, 3)

export const urlFor = (server: Servers.Running, scenario: Scenarios.ScenarioName) => server.name === "ceiling" ? `${server.url}?fixed=${scenario}` : server.url

/**
 * Waits until a server has worked off what the load left queued when it stopped (on PGlite a backlog
 * of sign-ins takes seconds): one more request of the scenario, answered after the queue. Otherwise
 * that work would run during the next server's turn and be counted against it.
 */
export const settle = (server: Servers.Running, scenario: Scenarios.ScenarioName, request: LoadRequest) =>
  Effect.asVoid(Check.send(urlFor(server, scenario), request).pipe(Effect.timeout("30 seconds"), Effect.ignore))

/** Warm-up for every server, then rounds in which each takes a turn, the order rotating from round to round. */
export const measureScenario = (
  load: LoadGenerator,
  config: RunSettings,
  database: Report.DatabaseName,
  scenario: Scenarios.ScenarioName,
  servers: ReadonlyArray<Servers.Running>,
  tokensOf: (server: Servers.ServerName) => Scenarios.Tokens
) =>
  Effect.gen(function*() {
    const requestOf = (server: Servers.Running) => Scenarios.request(scenario, CompareSeed.seeded, tokensOf(server.name))
    const spec = (server: Servers.Running, seconds: number): RunSpec => ({ url: urlFor(server, scenario), connections: config.connections, seconds, requests: [requestOf(server)] })
    if (config.warmup > 0) {
      for (const server of servers) yield* Effect.zipRight(load.run([spec(server, config.warmup)]), settle(server, scenario, requestOf(server)))
    }
    const rounds = new Map<Servers.ServerName, Array<RunResult>>(servers.map((s) => [s.name, []]))
    for (let round = 0; round < config.rounds; round++) {
      for (let turn = 0; turn < servers.length; turn++) {
        const server = servers[(round + turn) % servers.length]!
        const [result] = yield* load.run([spec(server, config.duration)])
        rounds.get(server.name)!.push(result!)
        yield* settle(server, scenario, requestOf(server))
      }
    }
    const cells = servers.map((server) => Report.cell(scenario, database, server.name, rounds.get(server.name)!))
    yield* say(table(Report.header, Report.rows(cells)).split("\n").map((line) => `  ${line}`).join("\n"))
    for (const c of cells) if (c.sampleError !== undefined) yield* say(`  ${c.server}'s errors include: ${c.sampleError}`)
    return cells
  })

/** Our `me` alone, then with `logins` connections signing in beside it, in alternating rounds. */
export const measureLogins = (load: LoadGenerator, config: RunSettings, database: Report.DatabaseName, ours: Servers.Running, tokens: Scenarios.Tokens) =>
  Effect.gen(function*() {
    yield* say(`${ours.name}, (1) alone and beside ${config.logins} connections signing in:`)
    const me: RunSpec = { url: ours.url, connections: config.connections, seconds: config.duration, requests: [Scenarios.request("me", CompareSeed.seeded, tokens)] }
    const logins: RunSpec = { url: ours.url, connections: config.logins, seconds: config.duration, requests: [Scenarios.request("authenticate", CompareSeed.seeded, tokens)] }
    const alone: Array<RunResult> = []
    const beside: Array<RunResult> = []
    const loginRuns: Array<RunResult> = []
    for (let round = 0; round < loginRounds(config); round++) {
      alone.push((yield* load.run([me]))[0]!)
      const [withLogins, signIns] = yield* load.run([me, logins])
      beside.push(withLogins!)
      loginRuns.push(signIns!)
      yield* settle(ours, "authenticate", logins.requests[0]!)
    }
    const p99Alone = Report.median(alone.map((r) => r.p99Ms))
    const p99Beside = Report.median(beside.map((r) => r.p99Ms))
    const result = {
      database,
      server: ours.name,
      p99AloneMs: p99Alone,
      p99WithLoginsMs: p99Beside,
      ratio: p99Beside / p99Alone,
      loginsPerSecond: Report.median(loginRuns.map((r) => r.requestsPerSecond)),
      loginP99Ms: Report.median(loginRuns.map((r) => r.p99Ms)),
      errors: [...alone, ...beside, ...loginRuns].reduce((sum, r) => sum + Report.errorsOf(r), 0),
      rounds: { alone, beside, logins: loginRuns }
    }
    yield* say(`  (1) me p99 ${ms(p99Alone)} ms alone, ${ms(p99Beside)} ms with ${config.logins} concurrent logins (${result.ratio.toFixed(2)}x); ` +
      `logins ${result.loginsPerSecond.toFixed(0)}/s, p99 ${ms(result.loginP99Ms)} ms; errors ${result.errors}`)
    return result
  })

/** Our resident memory, sampled while a mixed load runs; flat when the last fifth's median is within 10% of the one after the ramp. */
export const measureMemory = (load: LoadGenerator, config: RunSettings, database: Report.DatabaseName, ours: Servers.Running, tokens: Scenarios.Tokens) =>
  Effect.gen(function*() {
    const every = Math.max(1, config.memoryDuration / 60)
    const samples: Array<{ readonly atSeconds: number; readonly rssMiB: number }> = []
    const started = Date.now()
    const sampler = yield* Effect.fork(Effect.forever(Effect.zipRight(
      Effect.sync(() => {
        const rss = ours.rssMiB()
        if (rss !== undefined) samples.push({ atSeconds: (Date.now() - started) / 1000, rssMiB: rss })
      }),
      Effect.sleep(`${every} seconds`)
    )))
    yield* say(`  memory: ${config.memoryDuration} s of mixed load (me, users, attach, authenticate) on ours, RSS every ${every.toFixed(0)} s…`)
    const [soak] = yield* load.run([{ url: ours.url, connections: config.connections, seconds: config.memoryDuration, requests: Scenarios.soakMix(CompareSeed.seeded, tokens) }])
    yield* Fiber.interrupt(sampler)
    const kept = samples.slice(Math.floor(samples.length * 0.1))
    const window = Math.max(1, Math.floor(kept.length * 0.2))
    const first = Report.median(kept.slice(0, window).map((s) => s.rssMiB))
    const last = Report.median(kept.slice(-window).map((s) => s.rssMiB))
    const result = {
      database,
      seconds: config.memoryDuration,
      firstMiB: first,
      lastMiB: last,
      peakMiB: Math.max(...samples.map((s) => s.rssMiB)),
      growth: last / first - 1,
      requestsPerSecond: soak!.requestsPerSecond,
      errors: Report.errorsOf(soak!),
      samples
    }
    yield* say(`  memory: RSS ${first.toFixed(0)} MiB after the ramp, ${last.toFixed(0)} MiB at the end (${(result.growth * 100).toFixed(1)}%), ` +
      `peak ${result.peakMiB.toFixed(0)} MiB; ${result.requestsPerSecond.toFixed(0)} req/s, errors ${result.errors}`)
    return result
  })
