/**
 * Issue 21 under load, on the server process in production mode (JSON log lines, /metrics behind
 * METRICS_TOKEN): 32 slow mutations at once (createUser hashes a password with argon2;
 * attachUserPermissions; the embedded database runs their transactions one at a time), half of them
 * aborted by their clients at staggered moments, each once some more of the others were answered. No
 * line is an ERROR; every aborted request is logged once at INFO, as client_closed (499) when it had no
 * answer yet; /metrics counts them apart and counts no 5xx and no INTERNAL_SERVER_ERROR; and the
 * database, read once the process has exited, holds each aborted command whole or not at all: a
 * user with its UserCreated event, a grant with its UserPermissionsAttached event.
 */
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { Duration, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { randomBytes } from "node:crypto"
import * as PgliteClient from "../../src/database/PgliteClient.js"
import { type Abortable, postGraphql } from "../support/AbortableHttp.js"
import { eventually } from "../support/Eventually.js"
import type { RawAnswer } from "../support/RawHttp.js"
import { randomKey } from "../support/RandomRefs.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import * as SmtpServer from "../support/SmtpServer.js"
import { adminToken, commandOk, newUser, TestServer } from "../support/TestServer.js"

const metricsToken = randomBytes(24).toString("base64url")

const createUser = "mutation CreateUser($command: CreateUser!) { createUser(command: $command) { status } }"
const attach = "mutation AttachPermissions($command: AttachUserPermissions!) { attachUserPermissions(command: $command) { status } }"
const permission = { resource: "user", action: "GET", isConditional: false }

interface LogLine {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

/** The process's output, parsed: production writes one JSON object a line, and nothing else. */
const logLines = Effect.flatMap(ServerProcess, (server) => server.output).pipe(
  // A line still being written is not complete JSON yet: only whole lines count.
  Effect.map((output) => output.split("\n").slice(0, -1).map((line) => JSON.parse(line) as LogLine))
)

/** The access log's line of each request, once all are written: each request's fiber ends first. */
const accessLines = (requestIds: ReadonlyArray<string>) =>
  eventually(Effect.map(logLines, (lines) => {
    const access = lines.filter((line) => "http.status" in line.annotations)
    return new Map(requestIds.map((id) => {
      const found = access.filter((line) => line.annotations["requestId"] === id)
      expect(found, `the access log lines of ${id}`).toHaveLength(1)
      return [id, found[0]!] as const
    }))
  }), { timeout: Duration.seconds(60) })

const scrape = Effect.flatMap(TestServer, ({ baseUrl }) =>
  Effect.promise(() => fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } }).then((response) => response.text())))

/** The sum of the samples of `name` whose labels include `labels`, from Prometheus text (0 when none). */
const total = (text: string, name: string, labels: Record<string, string>) =>
  text.split("\n")
    .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)

const counted = (text: string) => ({
  graphqlClientClosed: total(text, "kingdom_graphql_requests_total", { outcome: "client_closed" }),
  httpClientClosed: total(text, "kingdom_http_requests_total", { outcome: "client_closed" }),
  http5xx: total(text, "kingdom_http_requests_total", { outcome: "5xx" }),
  internalErrors: total(text, "kingdom_graphql_errors_total", { code: "INTERNAL_SERVER_ERROR" })
})

/** Resolves once `count` of the promises have settled, however each did. */
const settled = (promises: ReadonlyArray<Promise<unknown>>, count: number) =>
  new Promise<void>((resolve) => {
    let done = 0
    if (count === 0) resolve()
    for (const promise of promises) {
      promise.then(() => undefined, () => undefined).then(() => {
        if (++done === count) resolve()
      })
    }
  })

const within = <A>(what: string, promise: () => Promise<A>) =>
  Effect.promise(promise).pipe(Effect.timeoutFail({ duration: Duration.seconds(60), onTimeout: () => new Error(`${what}: nothing within 60 s`) }))

interface Flight {
  readonly kind: "createUser" | "attach"
  /** The new user's access key, or the user whose permissions change. */
  readonly accessKey: string
  readonly request: Abortable
}

/** Whether the request got its answer before (or despite) its abort. */
const answered = (request: Abortable) => request.answer.then((answer): RawAnswer | undefined => answer, () => undefined)

const temporaryDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-hangup-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** What the embedded database holds once the process has let go of it. */
const databaseState = (dataDir: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const users = yield* sql<{ id: string; access_key: string }>`SELECT id, access_key FROM users`
    const grants = yield* sql<{ user_id: string }>`SELECT user_id FROM user_permissions WHERE resource = 'user' AND action = 'GET'`
    const events = yield* sql<{ type: string; payload: { accessKey?: string; userId?: string } }>`
      SELECT type, payload FROM outbox WHERE type IN ('UserCreated', 'UserPermissionsAttached')`
    return { users, grants, events }
  }).pipe(Effect.provide(PgliteClient.layer({ dataDir: Path.join(dataDir, "pgdata") })))

describe("clients that hang up under load, on the server process in production mode", () => {
  it.live("aborted mutations: INFO client_closed lines, no ERROR, counted apart in /metrics, each command whole or absent in the database", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDir
      const smtp = yield* SmtpServer.make()
      const processLayer = ServerProcessLayer.layer({
        // Longer than the test: the exit at the end is the drain's, with nothing left to cut.
        drainTimeout: "10 minutes",
        dataDir,
        env: { NODE_ENV: "production", LOG_LEVEL: "Info", JWT_SECRET: randomBytes(24).toString("base64url"), SMTP_URL: smtp.url, METRICS_TOKEN: metricsToken }
      })
      const context = yield* Layer.build(Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(Layer.provideMerge(processLayer)))
      yield* Effect.gen(function*() {
        const server = yield* ServerProcess
        const token = yield* adminToken
        const targets = Array.from({ length: 8 }, () => newUser("grantee"))
        yield* Effect.forEach(targets, (user) => commandOk("createUser", "CreateUser", user, token), { discard: true })
        const before = counted(yield* scrape)

        // Three in each four create a user, the fourth grants a permission; of each kind, every second is aborted.
        const flights = Array.from({ length: 32 }, (_, index): Flight & { readonly abort: boolean } => {
          const requestId = randomKey(`hangup-${index}`)
          if (index % 4 !== 3) {
            const user = newUser("hungup")
            const request = postGraphql(server.port, requestId, { query: createUser, variables: { command: user } }, { token })
            return { kind: "createUser", accessKey: user.accessKey, request, abort: (index - Math.trunc(index / 4)) % 2 === 1 }
          }
          const target = targets[(index - 3) / 4]!
          const command = { accessKey: target.accessKey, permissions: [permission] }
          return { kind: "attach", accessKey: target.accessKey, request: postGraphql(server.port, requestId, { query: attach, variables: { command } }, { token }), abort: index % 8 === 7 }
        })
        const kept = flights.filter((flight) => !flight.abort)
        const aborted = flights.filter((flight) => flight.abort)
        yield* within("sending", () => Promise.all(flights.map((flight) => flight.request.sent)))
        // The k-th abort once k of the kept requests have been answered: spread over the whole run.
        const keptAnswers = kept.map((flight) => flight.request.answer)
        for (const [k, flight] of aborted.entries()) {
          yield* within(`${k} kept answers`, () => settled(keptAnswers, k))
          flight.request.abort()
        }
        for (const flight of kept) {
          const answer = yield* within("the kept requests' answers", () => flight.request.answer)
          expect([answer.status, JSON.parse(answer.body).errors]).toEqual([200, undefined])
        }
        const answeredAnyway = yield* within("the aborted requests' ends", () => Promise.all(aborted.map((flight) => answered(flight.request))))

        const lines = yield* accessLines(flights.map((flight) => flight.request.requestId))
        const all = yield* logLines
        expect(all.filter((line) => line.logLevel === "ERROR" || line.logLevel === "FATAL")).toEqual([])
        for (const flight of kept) {
          const line = lines.get(flight.request.requestId)!
          expect([line.message, line.logLevel, line.annotations["http.status"], line.annotations["graphql.outcome"]]).toEqual(["GraphQL request", "INFO", 200, "ok"])
        }
        const adminId = lines.get(kept[0]!.request.requestId)!.annotations["principal"]
        expect(adminId).toEqual(expect.any(String))
        const clientClosed = aborted.filter((flight) => lines.get(flight.request.requestId)!.annotations["graphql.outcome"] === "client_closed")
        for (const [index, flight] of aborted.entries()) {
          const line = lines.get(flight.request.requestId)!
          expect([line.message, line.logLevel]).toEqual(["GraphQL request", "INFO"])
          if (line.annotations["graphql.outcome"] === "ok") {
            // Answered before the abort reached the server: the answer may even have arrived.
            expect(line.annotations["http.status"]).toBe(200)
            continue
          }
          expect(answeredAnyway[index], `${flight.request.requestId} was logged client_closed but answered`).toBeUndefined()
          expect(line.annotations).toMatchObject({ "http.status": 499, "http.outcome": "client_closed", "graphql.outcome": "client_closed", "graphql.errors": null })
          // The caller, if its lookup had run (on the embedded database it may still have been queued).
          expect([adminId, null]).toContain(line.annotations["principal"])
          expect(line.annotations["durationMs"]).toEqual(expect.any(Number))
        }
        // The first abort went out before any answer, while argon2 and the database queue were busy.
        expect(clientClosed.map((flight) => flight.request.requestId)).toContain(aborted[0]!.request.requestId)

        const after = counted(yield* scrape)
        expect({
          graphqlClientClosed: after.graphqlClientClosed - before.graphqlClientClosed,
          httpClientClosed: after.httpClientClosed - before.httpClientClosed,
          http5xx: after.http5xx,
          internalErrors: after.internalErrors
        }).toEqual({ graphqlClientClosed: clientClosed.length, httpClientClosed: clientClosed.length, http5xx: 0, internalErrors: 0 })

        yield* server.signal("SIGTERM")
        const exit = yield* server.exited.pipe(Effect.timeoutFail({ duration: Duration.seconds(60), onTimeout: () => new Error("no exit within 60 s") }))
        expect(exit.code, yield* server.output).toBe(0)

        const { events, grants, users } = yield* databaseState(dataDir)
        const userIds = new Map(users.map((user) => [user.access_key, user.id]))
        for (const flight of flights) {
          const exists = flight.kind === "createUser"
            ? userIds.has(flight.accessKey)
            : grants.some((grant) => grant.user_id === userIds.get(flight.accessKey))
          const recorded = events.filter((event) =>
            flight.kind === "createUser"
              ? event.type === "UserCreated" && event.payload.accessKey === flight.accessKey
              : event.type === "UserPermissionsAttached" && event.payload.userId === userIds.get(flight.accessKey)
          )
          expect([flight.kind, flight.accessKey, exists, recorded.length]).toEqual([flight.kind, flight.accessKey, exists, exists ? 1 : 0])
          if (!flight.abort) expect(exists, `${flight.kind} ${flight.accessKey} was answered, so committed`).toBe(true)
        }
        const undone = aborted.filter((flight) => !userIds.has(flight.accessKey) && flight.kind === "createUser")
        expect(undone.length, "aborted createUsers that never committed").toBeGreaterThan(0)
        const withCaller = clientClosed.filter((flight) => lines.get(flight.request.requestId)!.annotations["principal"] !== null).length
        console.log(`[hang-up] ${aborted.length} aborted: ${clientClosed.length} logged client_closed (${withCaller} with their caller), ` +
          `${aborted.length - clientClosed.length} answered first; ${undone.length} aborted createUsers left nothing behind`)
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped), 300_000)
})
