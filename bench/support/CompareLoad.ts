/**
 * The comparison's load generator, a process of its own (started by bench/compare.ts with
 * `node --import tsx`), so that it never shares an event loop or a CPU account with a server. It reads
 * one job a line on stdin and answers one line of JSON on stdout per job: the job's runs go at the same
 * time (the logins-beside-queries case), each an autocannon instance in a closed loop.
 *
 * Latency is measured here, per response, in fractional milliseconds (autocannon's own histogram
 * keeps whole milliseconds, too coarse for sub-millisecond answers), every answer included; p50 and
 * p99 are nearest-rank. An error is a socket error or timeout, a non-2xx answer, or a 2xx answer whose
 * body carries GraphQL `errors`.
 */
import { createRequire } from "node:module"
import * as Readline from "node:readline"
import { summarize } from "./Stats.js"

/** The part of autocannon's API used here (the package ships no types). */
interface Result {
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
}
interface Instance {
  readonly on: (event: "response", listener: (client: unknown, status: number, bytes: number, responseTime: number) => void) => void
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: object, done: (error: Error | null, result: Result) => void) => Instance

export interface LoadRequest {
  readonly headers: Readonly<Record<string, string>>
  /** Sent in turn, one per request, across all connections (for example a mutation's target users). */
  readonly bodies: ReadonlyArray<string>
}

export interface RunSpec {
  readonly url: string
  readonly connections: number
  readonly seconds: number
  /** Each connection sends these in order, again and again. */
  readonly requests: ReadonlyArray<LoadRequest>
}

export interface Job {
  readonly id: number
  readonly runs: ReadonlyArray<RunSpec>
}

export interface RunResult {
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly meanMs: number
  readonly maxMs: number
  readonly errors: { readonly socket: number; readonly timeouts: number; readonly non2xx: number; readonly graphql: number }
  /** One GraphQL error message, when there were any: enough to see what went wrong. */
  readonly sampleError: string | undefined
}

export interface JobResult {
  readonly id: number
  readonly results: ReadonlyArray<RunResult>
}

const run = (spec: RunSpec): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const latencies: Array<number> = []
    let graphqlErrors = 0
    let sampleError: string | undefined
    const url = new URL(spec.url)
    const requests = spec.requests.map((request) => {
      let next = 0
      return {
        method: "POST" as const,
        path: `${url.pathname}${url.search}`,
        headers: { "content-type": "application/json", ...request.headers },
        body: request.bodies[0]!,
        // autocannon calls setupRequest whenever the key is present, even if undefined.
        ...(request.bodies.length === 1 ? {} : {
          setupRequest: (req: { body?: string }) => {
            req.body = request.bodies[next++ % request.bodies.length]!
            return req
          }
        }),
        onResponse: (status: number, body: string) => {
          // Every body is checked: a fast server that answers errors must not look fast.
          if (status >= 200 && status < 300 && body.includes(`"errors":`)) {
            graphqlErrors++
            sampleError ??= body.slice(0, 300)
          }
        }
      }
    })
    const started = performance.now()
    const instance = autocannon({
      url: url.origin,
      connections: spec.connections,
      duration: spec.seconds,
      requests,
      timeout: 10
    }, (error, result) => {
      if (error) return reject(error)
      const seconds = (performance.now() - started) / 1000
      const summary = summarize(latencies)
      resolve({
        requests: latencies.length,
        seconds,
        requestsPerSecond: latencies.length / seconds,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        meanMs: summary.meanMs,
        maxMs: summary.maxMs,
        errors: { socket: result.errors - result.timeouts, timeouts: result.timeouts, non2xx: result.non2xx, graphql: graphqlErrors },
        sampleError
      })
    })
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })

const lines = Readline.createInterface({ input: process.stdin })
// One job at a time, in order: the parent waits for each answer before it sends the next job.
let queue = Promise.resolve()
lines.on("line", (line) => {
  queue = queue.then(async () => {
    const job = JSON.parse(line) as Job
    const results = await Promise.all(job.runs.map(run))
    process.stdout.write(`${JSON.stringify({ id: job.id, results } satisfies JobResult)}\n`)
  }).catch((error: unknown) => {
    process.stderr.write(`load generator: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
})
lines.on("close", () => void queue.then(() => process.exit(0)))
