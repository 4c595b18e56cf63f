/**
 * Runs benchmarks by name, one after another. With no name, the comparison with the peer servers
 * (issue 7's one command); `all` runs every benchmark.
 *
 *   npm run bench                  # the comparison (compare), about 10 minutes
 *   npm run bench -- all           # every benchmark below
 *   npm run bench -- pagination    # only this one
 *   npm run bench -- events        # or this one
 *   npm run bench -- soak          # minutes of mixed load over HTTP (SOAK_DURATION="20 seconds" for a smoke run)
 *   npm run bench -- compare       # ours vs graphql-yoga, Mercurius + graphql-jit and node:http floors (about 10 minutes)
 *   npm run bench -- --list        # names and what each measures
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Logger } from "effect"
import type { Benchmark } from "./support/Benchmark.js"

/** Loaded on demand, so naming one benchmark does not load (or fail on) the others. */
const known: Record<string, { readonly summary: string; readonly load: () => Promise<Benchmark> }> = {
  pagination: {
    summary: "users keyset pages on PostgreSQL: page 1 vs the last page of 100,000 users, and OFFSET for comparison",
    load: () => import("./pagination.js").then((module) => module.benchmark)
  },
  events: {
    summary: "events from commit to handled: latency (p50, p99) and events/s, local Dispatcher (PostgreSQL, PGlite) and Relay + JetStream Worker",
    load: () => import("./events.js").then((module) => module.benchmark)
  },
  soak: {
    summary: "mixed read/write GraphQL load over HTTP on PostgreSQL for minutes: req/s, p50/p99 per operation, errors, conflict retries, lost updates",
    load: () => import("./soak.js").then((module) => module.benchmark)
  },
  compare: {
    summary: "ours vs graphql-yoga, Mercurius + graphql-jit, node:http + graphql-js (floor) and a fixed response (ceiling): req/s, p50/p99, errors, ratios; logins beside queries; memory",
    load: () => import("./compare.js").then((module) => module.benchmark)
  }
}

const args = process.argv.slice(2)

const program = Effect.gen(function*() {
  if (args.includes("--list") || args.includes("--help")) {
    for (const [name, { summary }] of Object.entries(known)) console.log(`${name.padEnd(12)} ${summary}`)
    return
  }
  const unknown = args.filter((name) => name !== "all" && !(name in known))
  if (unknown.length > 0) {
    return yield* Effect.fail(new Error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(known).join(", ")}`))
  }
  const names = args.length === 0 ? ["compare"] : args.includes("all") ? Object.keys(known) : args
  for (const name of names) {
    const benchmark = yield* Effect.promise(() => known[name]!.load())
    console.log(`\n=== ${benchmark.name}: ${benchmark.summary}\n`)
    yield* benchmark.run
  }
})

NodeRuntime.runMain(program.pipe(Effect.provide(Logger.pretty)))
