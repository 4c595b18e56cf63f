/**
 * Issue 8's operability, on the real server process in production mode: one JSON log line per request
 * (request id, operation, caller, duration, outcome) with no secret anywhere in the output, the start-up
 * report, /metrics (scraped and parsed, behind METRICS_TOKEN, labels bounded), /readyz, and a bad
 * configuration refused one line per problem.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as DataDirLock from "../../src/database/DataDirLock.js"
import { eventually } from "../support/Eventually.js"
import { send } from "../support/HttpProbe.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import * as SmtpServer from "../support/SmtpServer.js"
import { admin, commandOk, graphql, newUser, signIn, TestServer } from "../support/TestServer.js"

const secret = () => randomBytes(24).toString("base64url")
const secrets = { jwt: secret(), metricsToken: secret(), smtpPassword: secret(), newPassword: `pw-${secret()}` }
const maxOperations = 3

class Mailbox extends Context.Tag("test/Mailbox")<Mailbox, SmtpServer.SmtpServer>() {}

/** The server in production mode (SMTP, an HS256 secret, a metrics token), answering to TestServer for the HTTP helpers. */
const production = Layer.unwrapScoped(Effect.gen(function*() {
  const smtp = yield* SmtpServer.make({ auth: { user: "mailer", pass: secrets.smtpPassword } })
  const server = ServerProcessLayer.layer({
    drainTimeout: "5 seconds",
    env: {
      NODE_ENV: "production",
      LOG_LEVEL: "Debug",
      JWT_SECRET: secrets.jwt,
      SMTP_URL: smtp.url,
      METRICS_TOKEN: secrets.metricsToken,
      METRICS_MAX_OPERATIONS: String(maxOperations)
    }
  })
  return Layer.effect(TestServer, Effect.map(ServerProcess, ({ baseUrl }) => ({ baseUrl }))).pipe(
    Layer.provideMerge(server),
    Layer.merge(Layer.succeed(Mailbox, smtp)),
    // Operation names get labels first come, first served, and only METRICS_MAX_OPERATIONS of them:
    // "Me" takes one before any test runs, so the tests may run in any order.
    Layer.tap((context) => Effect.provide(post("query Me { __typename }"), context))
  )
}))

interface LogLine {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

const lineOf = (lines: ReadonlyArray<LogLine>, requestId: string | null) =>
  lines.find((line) => line.annotations["requestId"] === requestId && String(line.message).endsWith("request"))

/**
 * Every line of the output parsed as JSON (production writes nothing else), once `until` holds for
 * them: lines are written in batches, after the answer has left.
 */
const logLines = (until: (lines: ReadonlyArray<LogLine>) => boolean) =>
  eventually(Effect.gen(function*() {
    const output = yield* Effect.flatMap(ServerProcess, (server) => server.output)
    // A line still being written is not complete JSON yet: only whole lines count.
    const lines = output.split("\n").slice(0, -1).map((line) => JSON.parse(line) as LogLine)
    if (!until(lines)) return yield* Effect.fail(new Error("the awaited log line has not been written yet"))
    return { output, lines }
  }))

const post = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  send("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables })
  })

const scrape = (token?: string) => send("/metrics", token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

/** The value of the first sample whose name and labels match, from Prometheus text. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
  const line = text.split("\n").find((candidate) =>
    candidate.startsWith(`${name}{`) && Object.entries(labels).every(([label, value]) => candidate.includes(`${label}="${value}"`))
  )
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
}

const runMain = (env: Record<string, string>) =>
  Effect.async<{ readonly code: number | null; readonly stderr: string }>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("exit", (code) => resume(Effect.succeed({ code, stderr })))
  })

describe("operability, on the server process in production mode", () => {
  layer(production, { timeout: Duration.seconds(180), excludeTestServices: true })((it) => {
    it.effect("logs one JSON line per request with its id, operation, caller, duration and outcome, and no secret at all", () =>
      Effect.gen(function*() {
        const token = yield* signIn(admin.accessKey, admin.password)
        const me = yield* post("query Me { me { accessKey } }", {}, token)
        expect(me.status).toBe(200)
        const refused = yield* post("{ me { accessKey }")
        const refresh = yield* graphql("mutation ($c: Credentials!) { authenticate(command: $c) { token { refreshToken } } }", { c: { accessKey: admin.accessKey, password: admin.password } })
        // A user of this test's own goes through a reset by e-mail and a password change: the token
        // travels by mail, the passwords in variables.
        const user = newUser("logged")
        yield* commandOk("createUser", "CreateUser", user, token)
        yield* graphql("mutation ($c: SendEmailReset!) { resetPassword(command: $c) { status } }", { c: { accessKey: user.accessKey } })
        // Sent by the mail subscriber after the command commits.
        const mail = yield* eventually(Effect.flatMap(Mailbox, (smtp) => smtp.received).pipe(
          Effect.map((received) => received.find((m) => m.to.includes(user.email) && /reset/i.test(m.subject))),
          Effect.filterOrFail((found) => found !== undefined)
        ))
        const resetToken = /token=([^\s&]+)/.exec(mail!.text)![1]!
        const changed = yield* graphql("mutation ($c: ChangePassword!) { changePassword(command: $c) { status } }", { c: { token: decodeURIComponent(resetToken), newPassword: secrets.newPassword } })
        expect(changed.errors).toBeUndefined()
        const last = yield* post("mutation ($c: Credentials!) { authenticate(command: $c) { accessKey } }", { c: { accessKey: user.accessKey, password: secrets.newPassword } })
        expect(last.json.errors).toBeUndefined()

        // Requests were sent one after another, so once the last one's line is out, all are.
        const { lines, output } = yield* logLines((lines) => lineOf(lines, last.headers.get("x-request-id")) !== undefined)
        const meLine = lineOf(lines, me.headers.get("x-request-id"))
        expect(meLine?.logLevel).toBe("INFO")
        expect(meLine?.annotations).toMatchObject({
          "http.method": "POST",
          "http.path": "/graphql",
          "http.status": 200,
          "graphql.operation": "Me",
          "graphql.type": "query",
          "graphql.outcome": "ok",
          "graphql.errors": null
        })
        expect(meLine?.annotations["principal"]).toMatch(/^[0-9a-f-]{36}$/)
        expect(meLine?.annotations["durationMs"]).toBeGreaterThan(0)
        expect(lineOf(lines, refused.headers.get("x-request-id"))?.annotations).toMatchObject({
          "http.status": 200,
          "graphql.outcome": "refused",
          "graphql.errors": "GRAPHQL_PARSE_FAILED",
          principal: null
        })

        const leaked = {
          "admin password": admin.password,
          "user's first password": user.password,
          "user's new password": secrets.newPassword,
          JWT_SECRET: secrets.jwt,
          METRICS_TOKEN: secrets.metricsToken,
          "SMTP password": secrets.smtpPassword,
          "reset token": decodeURIComponent(resetToken),
          "access token": token,
          "refresh token": refresh.data!["authenticate"].token.refreshToken as string
        }
        for (const [name, value] of Object.entries(leaked)) expect(output.includes(value), `${name} in the logs`).toBe(false)
      }))

    it.effect("reports its start as one log line: where, which database, migrations, the administrator, the optional parts", () =>
      Effect.gen(function*() {
        const { lines } = yield* logLines((lines) => lines.some((line) => line.message === "kingdom-server is up"))
        const up = lines.find((line) => line.message === "kingdom-server is up")
        expect(up?.annotations).toMatchObject({
          "startup.database": expect.stringMatching(/^embedded PGlite at .*pgdata$/),
          "startup.migrations": expect.stringMatching(/^\d+ applied, current$/),
          "startup.administrator": `${admin.accessKey}: created with ADMIN_PASSWORD`,
          "startup.mail": expect.stringMatching(/^SMTP at smtp:\/\/127\.0\.0\.1:\d+$/),
          "startup.metrics": expect.stringMatching(/\/metrics \(METRICS_TOKEN required\)$/),
          "startup.tracing": "off (no OTEL_EXPORTER_OTLP_ENDPOINT)",
          "startup.events": "handled in this process"
        })
        expect(String(up?.annotations["startup.graphql"])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/)
      }))

    it.effect("serves /metrics only with METRICS_TOKEN: requests by operation and outcome, errors by code, latency, connections, event backlog", () =>
      Effect.gen(function*() {
        expect((yield* scrape()).status).toBe(401)
        expect((yield* scrape("wrong")).status).toBe(401)
        const token = yield* signIn(admin.accessKey, admin.password)
        const before = sample((yield* scrape(secrets.metricsToken)).text, "kingdom_graphql_requests_total", { operation: "Me", outcome: "ok" }) ?? 0
        yield* post("query Me { me { accessKey } }", {}, token)
        yield* post("query Me { nope }", {}, token)
        const metrics = yield* scrape(secrets.metricsToken)
        expect(metrics.status).toBe(200)
        expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
        const text = metrics.text
        expect(sample(text, "kingdom_graphql_requests_total", { operation: "Me", type: "query", outcome: "ok" })).toBe(before + 1)
        expect(sample(text, "kingdom_graphql_requests_total", { operation: "invalid", outcome: "refused" })).toBeGreaterThanOrEqual(1)
        expect(sample(text, "kingdom_graphql_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" })).toBeGreaterThanOrEqual(1)
        expect(sample(text, "kingdom_graphql_request_duration_seconds_count", { operation: "Me" })).toBeGreaterThanOrEqual(2)
        expect(sample(text, "kingdom_graphql_request_duration_seconds_bucket", { operation: "Me", le: "+Inf" })).toBeGreaterThanOrEqual(2)
        expect(sample(text, "kingdom_db_connections_max")).toBe(1)
        expect(sample(text, "kingdom_db_connections", { state: "waiting" })).toBe(0)
        expect(sample(text, "kingdom_event_deliveries_waiting")).toBeGreaterThanOrEqual(0)
        expect(sample(text, "kingdom_event_deliveries_lag_seconds")).toBeGreaterThanOrEqual(0)
        expect(text).toMatch(/^# TYPE kingdom_graphql_request_duration_seconds histogram$/m)
      }))

    it.effect(`keeps at most METRICS_MAX_OPERATIONS (${maxOperations}) operation names as labels; later ones count as "other"`, () =>
      Effect.gen(function*() {
        for (let n = 0; n < maxOperations + 3; n++) yield* post(`query Probe${n} { __typename }`)
        const text = (yield* scrape(secrets.metricsToken)).text
        const names = new Set([...text.matchAll(/^kingdom_graphql_requests_total\{operation="([^"]+)"/gm)].map((match) => match[1]))
        const kept = [...names].filter((name) => !["anonymous", "invalid", "other"].includes(name!))
        expect(kept.length).toBe(maxOperations)
        expect(names.has("other")).toBe(true)
      }))

    it.effect("/readyz is ready when the database answers and every migration is applied, its checks told only to METRICS_TOKEN; /healthz answers", () =>
      Effect.gen(function*() {
        const ready = yield* send("/readyz")
        expect([ready.status, ready.json]).toEqual([200, { status: "ready" }])
        const detailed = yield* send("/readyz", { headers: { authorization: `Bearer ${secrets.metricsToken}` } })
        expect([detailed.status, detailed.json]).toEqual([200, { status: "ready", checks: { database: "ok", migrations: "ok" } }])
        expect((yield* send("/healthz")).status).toBe(200)
      }))
  })

  it.live("a bad configuration stops the start with exit code 1 and one line per problem", () =>
    Effect.gen(function*() {
      const { code, stderr } = yield* runMain({ PORT: "abc", JWT_TTL: "banana", GRAPHQL_MAX_DEPTH: "-3", DATA_DIR: "/nonexistent/never-created" })
      expect(code).toBe(1)
      expect(stderr.trim().split("\n")).toEqual([
        "kingdom-server cannot start: 3 configuration problems",
        "  PORT: Expected a network port value but received \"abc\"",
        "  JWT_TTL: Expected a duration but received \"banana\"",
        "  GRAPHQL_MAX_DEPTH: must be a positive integer"
      ])
      const production = yield* runMain({ NODE_ENV: "production", DATA_DIR: "/nonexistent/never-created" })
      expect(production.code).toBe(1)
      expect(production.stderr).toMatch(/^kingdom-server cannot start: a configuration problem\n {2}JWT_PRIVATE_KEY: a signing key is required when NODE_ENV=production/)
    }), 120_000)

  it.live("a start that cannot happen says why in one line, with exit code 1: database unreachable, data directory in use", () =>
    Effect.gen(function*() {
      const unreachable = yield* runMain({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere", DATA_DIR: "/nonexistent/never-created" })
      expect(unreachable.code).toBe(1)
      expect(unreachable.stderr.trim()).toMatch(/^kingdom-server cannot start: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere \(DATABASE_URL\): .*ECONNREFUSED/)
      const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-locked-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataDir, { recursive: true, force: true })))
      // This test's own process holds it, as a running server would.
      Fs.writeFileSync(Path.join(dataDir, DataDirLock.lockFileName), String(process.pid))
      const locked = yield* runMain({ DATA_DIR: dataDir })
      expect(locked.code).toBe(1)
      expect(locked.stderr.trim()).toBe(`kingdom-server cannot start: ${new DataDirLock.DataDirLocked({ dataDir, pid: process.pid }).message}`)
    }).pipe(Effect.scoped), 120_000)
})
