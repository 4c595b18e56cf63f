/**
 * Issue 4: how long an event takes from its command's commit to its subscriber's handled commit, and
 * how many events a second get through, without NATS (the server's own Dispatcher on the deliveries
 * table, on PostgreSQL and on the embedded PGlite) and with NATS (the server's Relay to JetStream and a
 * Worker's durable consumer, on PostgreSQL). Everything runs through the real ports and adapters built
 * by src/Composition.ts, with the EVENT_* / NATS_* / RELAY_* settings as the server reads them.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Config, Context, Duration, Effect, Fiber, Layer, Logger, LogLevel, Option, Queue, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import * as Composition from "../src/Composition.js"
import * as AppConfig from "../src/Config.js"
import * as Dispatcher from "../src/kernel/Dispatcher.js"
import * as JetStream from "../src/worker/JetStream.js"
import * as Relay from "../src/worker/Relay.js"
import * as Worker from "../src/worker/Worker.js"
import * as NatsServer from "../test/support/NatsServer.js"
import * as BenchDatabase from "./support/BenchDatabase.js"
import type { Benchmark } from "./support/Benchmark.js"
import * as EventProbe from "./support/EventProbe.js"
import * as LoopWatch from "./support/LoopWatch.js"
import * as Machine from "./support/Machine.js"
import { ms, type Summary, summarize, table, timed } from "./support/Stats.js"

const settings = Config.all({
  serverUrl: Config.string("BENCH_DATABASE_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  latencyEvents: Config.integer("BENCH_EVENTS_LATENCY").pipe(Config.withDefault(500)),
  throughputEvents: Config.integer("BENCH_EVENTS_THROUGHPUT").pipe(Config.withDefault(5_000)),
  concurrency: Config.integer("BENCH_EVENTS_CONCURRENCY").pipe(Config.withDefault(8)),
  paceMs: Config.integer("BENCH_EVENTS_PACE_MS").pipe(Config.withDefault(10)),
  warmup: Config.integer("BENCH_EVENTS_WARMUP").pipe(Config.withDefault(20)),
  // The server's own settings, defaults included: what is measured is what a deployment runs.
  events: AppConfig.events,
  nats: AppConfig.nats,
  poolMax: Config.map(AppConfig.database, (database) => database.poolMax)
})
type Settings = Config.Config.Success<typeof settings>

const databaseName = "kingdom_bench_events"
/** As src/worker/main.ts runs each subscriber. */
/** Longest wait for one event, or for the last of a throughput run, before the benchmark gives up. */
const patience = Duration.seconds(60)
const resultFile = new URL("./results/events.json", import.meta.url)

const say = (text: string) => Effect.sync(() => console.log(text))
const count = (n: number) => n.toLocaleString("en-US")
const gaps = (from: Map<number, number>, to: Map<number, number>, ns: ReadonlyArray<number>) =>
  summarize(ns.map((n) => to.get(n)! - from.get(n)!))
const range = (first: number, length: number) => Array.from({ length }, (_, i) => first + i)

const takeUntil = (probe: EventProbe.Probe, n: number): Effect.Effect<void> =>
  Effect.flatMap(Queue.take(probe.handled), (handled) => (handled === n ? Effect.void : takeUntil(probe, n)))

const awaitHandled = (what: string, wait: Effect.Effect<void>) =>
  wait.pipe(Effect.timeoutFail({ duration: patience, onTimeout: () => new Error(`events benchmark: ${what} not handled within ${Duration.format(patience)}`) }))

/** Events one at a time: dispatch, wait until handled, pause, so every event finds the loops idle, as under light traffic. */
const paced = (probe: EventProbe.Probe, ns: ReadonlyArray<number>, paceMs: number, label: string) =>
  Effect.forEach(ns, (n, i) =>
    Effect.gen(function*() {
      yield* EventProbe.ping(probe, n)
      yield* awaitHandled(`event ${n}`, takeUntil(probe, n))
      if (label !== "" && (i + 1) % 100 === 0) yield* say(`    ${label}: ${i + 1}/${ns.length}`)
      yield* Effect.sleep(Duration.millis(paceMs))
    }), { discard: true })

interface Throughput {
  readonly events: number
  readonly concurrency: number
  readonly dispatchSeconds: number
  readonly dispatchedPerSecond: number
  readonly handledSeconds: number
  readonly handledPerSecond: number
  /** From the last command's return to the last handler's commit: the backlog left when dispatching stopped. */
  readonly drainSeconds: number
  /** Events handled in that time, per second: the subscriber side's pace once commands stop competing. */
  readonly drainPerSecond: number
  /** With NATS: events / seconds from the first dispatch to the broker's last acknowledgement of the relay. */
  readonly publishedPerSecond: number | null
  /** The longest the Node event loop went without running a timer (see loopWatch), while dispatching and while draining. */
  readonly loopStallMs: { readonly dispatching: number; readonly draining: number }
  readonly latency: Summary
}

/** Every event dispatched as fast as `concurrency` callers can; timed from the first dispatch to the last handled. */
const flood = (probe: EventProbe.Probe, ns: ReadonlyArray<number>, concurrency: number, nats: boolean) =>
  Effect.gen(function*() {
    const progress = yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(Duration.seconds(2)), Effect.suspend(() =>
      // Silent on PGlite: its statements resolve in microtasks, so a stream of them leaves no turn for timers.
      say(`    throughput: ${count(ns.filter((n) => probe.sent.has(n)).length)} dispatched, ` +
        `${count(ns.filter((n) => probe.committed.has(n)).length)} handled of ${count(ns.length)}`)))))
    const loop = LoopWatch.start()
    const start = performance.now()
    yield* Effect.forEach(ns, (n) => EventProbe.ping(probe, n), { concurrency, discard: true })
    const dispatched = performance.now()
    const dispatchingStall = loop.longestMs()
    loop.reset()
    yield* awaitHandled("the throughput run", Effect.asVoid(Effect.replicateEffect(Queue.take(probe.handled), ns.length)))
    const drainingStall = loop.longestMs()
    loop.stop()
    yield* Fiber.interrupt(progress)
    const last = Math.max(...ns.map((n) => probe.committed.get(n)!))
    const seconds = (from: number, to: number) => (to - from) / 1000
    return {
      events: ns.length,
      concurrency,
      dispatchSeconds: seconds(start, dispatched),
      dispatchedPerSecond: ns.length / seconds(start, dispatched),
      handledSeconds: seconds(start, last),
      handledPerSecond: ns.length / seconds(start, last),
      drainSeconds: seconds(dispatched, last),
      drainPerSecond: ns.filter((n) => probe.committed.get(n)! > dispatched).length / seconds(dispatched, last),
      publishedPerSecond: nats ? ns.length / seconds(start, Math.max(...ns.map((n) => probe.pickedUp.get(n)!))) : null,
      loopStallMs: { dispatching: dispatchingStall, draining: drainingStall },
      latency: gaps(probe.sent, probe.committed, ns)
    } satisfies Throughput
  })

interface ScenarioResult {
  readonly scenario: string
  readonly database: "PostgreSQL" | "PGlite"
  readonly nats: boolean
  /** `SELECT 1` on the scenario's database, for scale: the paths below are a handful of such round trips. */
  readonly roundTrip: Summary
  /** BEGIN, a statement that takes a transaction id, COMMIT (a WAL flush): the price of each commit on the way. */
  readonly writeTransaction: Summary
  /** Commit of the command to commit of the handler's unit of work: the headline. */
  readonly latency: Summary
  /** Commit of the command to the subscriber's handle starting. */
  readonly toHandle: Summary
  /**
   * The legs: commit → pick-up begins (the Dispatcher's claim is sent; with NATS the relay's publish
   * begins) → picked up (the claim returned it; the broker acknowledged the publish) → handle runs → handler committed.
   */
  readonly legs: {
    readonly commitToPickUp: Summary
    readonly pickUp: Summary
    readonly pickedUpToHandle: Summary
    readonly handleToCommitted: Summary
  }
  readonly throughput: Throughput
}

/** Warm-up, the paced latency run and the throughput run, once the scenario's loops are running. */
const measure = (config: Settings, probe: EventProbe.Probe, scenario: string, database: ScenarioResult["database"], nats: boolean) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const roundTrips = yield* Effect.forEach(range(1, 200), () => Effect.map(timed(sql`SELECT 1`), ([took]) => took))
    // txid_current() takes a transaction id, so the COMMIT writes and flushes the WAL, as every event's commits do.
    const commits = yield* Effect.forEach(range(1, 200), () =>
      Effect.map(timed(sql.withTransaction(sql`SELECT txid_current()`)), ([took]) => took))
    yield* say(`  ${scenario}: warm-up (${config.warmup} events)…`)
    yield* paced(probe, range(1, config.warmup), config.paceMs, "")
    yield* say(`  ${scenario}: latency, ${config.latencyEvents} events one at a time, ${config.paceMs} ms apart…`)
    const latencyNs = range(1_000_001, config.latencyEvents)
    yield* paced(probe, latencyNs, config.paceMs, "latency")
    yield* say(`  ${scenario}: throughput, ${count(config.throughputEvents)} events, ${config.concurrency} dispatching at once…`)
    const throughput = yield* flood(probe, range(2_000_001, config.throughputEvents), config.concurrency, nats)
    yield* say(`  ${scenario}: ${count(Math.round(throughput.handledPerSecond))} events/s handled; latency p50 ${ms(gaps(probe.sent, probe.committed, latencyNs).p50Ms)} ms`)
    return {
      scenario,
      database,
      nats,
      roundTrip: summarize(roundTrips),
      writeTransaction: summarize(commits),
      latency: gaps(probe.sent, probe.committed, latencyNs),
      toHandle: gaps(probe.sent, probe.ran, latencyNs),
      legs: {
        commitToPickUp: gaps(probe.sent, probe.pickUpBegan, latencyNs),
        pickUp: gaps(probe.pickUpBegan, probe.pickedUp, latencyNs),
        pickedUpToHandle: gaps(probe.pickedUp, probe.ran, latencyNs),
        handleToCommitted: gaps(probe.ran, probe.committed, latencyNs)
      },
      throughput
    } satisfies ScenarioResult
  })

const postgresConfig = (config: Settings, migrateOnStart: boolean): AppConfig.DatabaseConfig => ({
  url: Option.some(Redacted.make(BenchDatabase.urlOf(config.serverUrl, databaseName))),
  dataDir: "./.data",
  migrateOnStart,
  poolMax: config.poolMax
})

/** The server's database layers (auth repositories, outbox, deliveries, inbox, commit signal), its unit of work and claims observed. */
const services = (probe: EventProbe.Probe, database: AppConfig.DatabaseConfig, local: ReadonlyArray<ReturnType<typeof EventProbe.subscriber>>) =>
  Layer.merge(EventProbe.unitOfWork(probe), EventProbe.deliveries(probe)).pipe(Layer.provideMerge(Composition.database(database, local)))

/** Without NATS, as main.ts runs it: the subscriber's deliveries are made with the event and run by the Dispatcher. */
const withoutNats = (config: Settings, scenario: string, database: AppConfig.DatabaseConfig) =>
  Effect.scoped(Effect.gen(function*() {
    const probe = yield* EventProbe.make
    const subscriber = EventProbe.subscriber(probe)
    const context = yield* Layer.build(services(probe, database, [subscriber]))
    yield* Effect.forkScoped(Dispatcher.run([subscriber], config.events)).pipe(Effect.provide(context))
    return yield* Effect.provide(measure(config, probe, scenario, Option.isSome(database.url) ? "PostgreSQL" : "PGlite", false), context)
  }))

/**
 * With NATS, as main.ts and worker/main.ts run it, each side with its own pool and NATS connection:
 * the server relays the outbox to JetStream (no local deliveries), a worker consumes it through the inbox.
 */
const withNats = (config: Settings, scenario: string) =>
  Effect.scoped(Effect.gen(function*() {
    const probe = yield* EventProbe.make
    const subscriber = EventProbe.subscriber(probe)
    const broker = yield* Layer.build(NatsServer.layer)
    const url = Redacted.make(Context.get(broker, NatsServer.TestNats).url)
    const jetStream = Composition.jetStream(config.nats, url)
    const server = yield* Layer.build(Layer.merge(
      services(probe, postgresConfig(config, false), []),
      EventProbe.publisher(probe).pipe(Layer.provide(JetStream.publisher), Layer.provide(jetStream))
    ))
    // The scenarios before left events in the outbox that no relay ever published.
    yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`TRUNCATE event_inbox, event_deliveries, outbox`).pipe(Effect.provide(server))
    const worker = yield* Layer.build(Layer.merge(services(probe, postgresConfig(config, false), []), jetStream))
    const natsVersion = Context.get(worker, JetStream.JetStream).connection.info?.version ?? "unknown"
    yield* Effect.forkScoped(Relay.run({ batchSize: config.nats.relayBatchSize, pollInterval: config.events.pollInterval })).pipe(Effect.provide(server))
    yield* Effect.forkScoped(Worker.run([subscriber], { retry: config.events.retry, concurrency: config.events.concurrency })).pipe(Effect.provide(worker))
    const result = yield* Effect.provide(measure(config, probe, scenario, "PostgreSQL", true), server)
    return { result, natsVersion }
  }))

const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-bench-pglite-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const report = (results: ReadonlyArray<ScenarioResult>) => {
  const latency = table(
    ["commit → handled (ms), one at a time", "n", "p50", "p99", "mean", "max", "to handle p50", "to handle p99"],
    results.map((r) => [r.scenario, String(r.latency.n), ms(r.latency.p50Ms), ms(r.latency.p99Ms), ms(r.latency.meanMs), ms(r.latency.maxMs), ms(r.toHandle.p50Ms), ms(r.toHandle.p99Ms)])
  )
  const throughput = table(
    ["throughput (flood)", "events", "callers", "dispatched/s", "handled/s", "drain s", "drain/s", "backlog wait p50 s", "p99 s"],
    results.map(({ scenario, throughput: t }) => [scenario, count(t.events), String(t.concurrency), count(Math.round(t.dispatchedPerSecond)),
      count(Math.round(t.handledPerSecond)), t.drainSeconds.toFixed(2), count(Math.round(t.drainPerSecond)),
      (t.latency.p50Ms / 1000).toFixed(2), (t.latency.p99Ms / 1000).toFixed(2)])
  )
  const pair = (summary: Summary) => `${ms(summary.p50Ms)} / ${ms(summary.p99Ms)}`
  const legs = table(
    ["where the time goes, p50 / p99 ms", "commit → pick-up begins", "pick-up", "→ handle runs", "→ handler committed"],
    results.map((r) => [r.scenario, pair(r.legs.commitToPickUp), pair(r.legs.pickUp), pair(r.legs.pickedUpToHandle), pair(r.legs.handleToCommitted)])
  )
  const notes = results.map((r) => `  ${r.scenario}: SELECT 1 p50 ${ms(r.roundTrip.p50Ms)} ms, a writing transaction p50 ${ms(r.writeTransaction.p50Ms)} ms; longest wait for a timer while flooding ${ms(r.throughput.loopStallMs.dispatching)} ms, ` +
    `while draining ${ms(r.throughput.loopStallMs.draining)} ms` +
    (r.throughput.publishedPerSecond === null ? "" : `; flood: the relay published ${count(Math.round(r.throughput.publishedPerSecond))} events/s`))
  return [latency, "", legs, "pick-up: without NATS the Dispatcher's claim statement; with NATS the relay's publish, to the broker's acknowledgement", "",
    throughput, "", ...notes].join("\n")
}

const definitions = {
  latency: "performance.now() when the subscriber's unit of work (inbox row + handle) has committed, minus performance.now() when the command's dispatch returned (its transaction, with the outbox row, has committed)",
  toHandle: "the same start, up to the moment the subscriber's handle begins",
  dispatchedPerSecond: "events / seconds from the first dispatch to the last dispatch returning",
  handledPerSecond: "events / seconds from the first dispatch to the last handler commit"
}

export const benchmark: Benchmark = {
  name: "events",
  summary: "commit-to-handled latency (p50, p99) and events/s through the outbox: local Dispatcher on PostgreSQL and PGlite, Relay + JetStream Worker",
  run: Effect.gen(function*() {
    const config = yield* settings
    const { events, nats } = config
    yield* say(`settings (the server's, from EVENT_* / NATS_* / RELAY_BATCH_SIZE / DATABASE_POOL_MAX, defaults unless set): poll ${Duration.format(events.pollInterval)}, ` +
      `dispatcher batch ${events.batchSize}, relay batch ${nats.relayBatchSize}, event concurrency ${events.concurrency} (EVENT_CONCURRENCY), pool ${config.poolMax}, ` +
      `NATS ack wait ${Duration.format(nats.ackWait)}`)
    yield* say(`latency = ${definitions.latency}`)
    const preparation = yield* BenchDatabase.prepare(config.serverUrl, databaseName, "", true)
    yield* say(`database ${databaseName}: ${preparation} afresh; migrated by the server's database layer`)

    const machine = yield* Effect.scoped(Effect.flatMap(Layer.build(Composition.database(postgresConfig(config, true), [])),
      (context) => Machine.describe(Context.get(context, SqlClient.SqlClient))))
    yield* say(`machine: ${Machine.line(machine)}`)

    const results: Array<ScenarioResult> = []
    yield* say(`\n[1/3] without NATS, PostgreSQL: the server's Dispatcher, woken by the commit signal`)
    results.push(yield* withoutNats(config, "no NATS, PostgreSQL", postgresConfig(config, false)))
    yield* say(`\n[2/3] with NATS, PostgreSQL: the server's Relay → a private nats-server (JetStream, file store) → a Worker's durable consumer`)
    const { natsVersion, result } = yield* withNats(config, "NATS, PostgreSQL")
    results.push(result)
    yield* say(`\n[3/3] without NATS, embedded PGlite (a temporary data directory): the server's Dispatcher, woken by the commit signal`)
    results.push(yield* Effect.scoped(Effect.flatMap(temporaryDirectory, (dataDir) =>
      withoutNats(config, "no NATS, PGlite", { url: Option.none(), dataDir, migrateOnStart: false, poolMax: config.poolMax }))))

    yield* say(`\n${report(results)}\n`)
    yield* Effect.promise(async () => {
      await Fs.promises.mkdir(new URL(".", resultFile), { recursive: true })
      await Fs.promises.writeFile(resultFile, JSON.stringify({
        benchmark: "events",
        measuredAt: new Date().toISOString(),
        machine: { ...machine, natsServer: natsVersion },
        setup: {
          database: databaseName,
          latencyEvents: config.latencyEvents,
          paceMs: config.paceMs,
          warmup: config.warmup,
          throughputEvents: config.throughputEvents,
          dispatchConcurrency: config.concurrency,
          events: {
            batchSize: events.batchSize,
            pollInterval: Duration.format(events.pollInterval),
            lease: Duration.format(events.lease),
            retry: { ...events.retry, baseDelay: Duration.format(events.retry.baseDelay), maxDelay: Duration.format(events.retry.maxDelay) }
          },
          relayBatchSize: nats.relayBatchSize,
          eventConcurrency: events.concurrency,
          poolMax: config.poolMax,
          definitions
        },
        results
      }, null, 2) + "\n")
    })
    yield* say(`wrote ${resultFile.pathname}`)
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
}
