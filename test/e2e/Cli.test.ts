/**
 * `npx kingdom`, run as operators run it (bin/kingdom.js in a child process), on an embedded database
 * in a temporary DATA_DIR and, with TEST_DATABASE_URL, on a scratch PostgreSQL database. The two run
 * side by side; each is one sequence of commands, as every run costs a process and a database open.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Actor from "../../src/auth/Actor.js"
import { CurrentActor } from "../../src/auth/Actor.js"
import * as JoseTokens from "../../src/auth/adapters/JoseTokens.js"
import * as SigningKeys from "../../src/auth/adapters/SigningKeys.js"
import { CreateRole } from "../../src/auth/Commands.js"
import { dispatch } from "../../src/auth/handlers/Handlers.js"
import { TokenIssuer } from "../../src/auth/ports/TokenIssuer.js"
import * as Composition from "../../src/Composition.js"
import * as AppConfig from "../../src/Config.js"
import { Deliveries } from "../../src/kernel/Deliveries.js"
import * as Cli from "../support/CliProcess.js"
import { defaultsOf } from "../support/ConfigFrom.js"
import { ServerProcess } from "../support/ServerProcess.js"
import * as ServerProcessLayer from "../support/ServerProcess.js"
import * as TestDatabases from "../support/TestDatabases.js"
import { graphql, TestServer } from "../support/TestServer.js"

const password = "correct-horse-battery"
const jwt = /^[\w-]+\.[\w-]+\.[\w-]+\n$/

const temporaryDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-cli-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Tokens checked with the keys the CLI signed with (the development key in DATA_DIR). */
const verify = (dataDir: string, token: string) =>
  Effect.gen(function*() {
    const config = defaultsOf(AppConfig.token)
    const keys = yield* SigningKeys.resolve({ ...config, environment: "test", dataDir })
    return yield* Effect.flatMap(TokenIssuer, (tokens) => tokens.verify(token)).pipe(Effect.provide(JoseTokens.layer({ keys, ...config })))
  })

/**
 * What the command line does not do, set up through the same ports in this process: a role to grant,
 * and the pending deliveries parked, as if their subscriber had failed every attempt.
 */
const arrange = (dataDir: string) =>
  Effect.gen(function*() {
    const permissions = [{ resource: "user", action: "GET" as const, isConditional: false, scope: [] }]
    yield* dispatch(new CreateRole({ code: "auditor", name: "Auditor", permissions }))
    const deliveries = yield* Deliveries
    const now = new Date()
    const claimed = yield* deliveries.claim(Composition.subscribers.map((s) => s.name), 100, now, new Date(now.getTime() + 60_000))
    yield* Effect.forEach(claimed, (delivery) => deliveries.park(delivery, "SMTP refused: test\nat stack", now))
    return claimed.length
  }).pipe(
    Effect.provideService(CurrentActor, Actor.system),
    Effect.provide(Composition.database({ ...defaultsOf(AppConfig.database), dataDir }, Composition.subscribers)),
    Effect.scoped
  )

describe.concurrent("kingdom (the operators' command line)", () => {
  it.live("on the embedded database: every command, its help, its refusals, and the data directory's lock", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDir
      const env = { DATA_DIR: dataDir }
      const options = { env }

      // Refusals of the arguments themselves, and help: no database is opened, so they run at once.
      const [help, grantHelp, badPermission, noEmail] = yield* Effect.all([
        Cli.ok(["--help"], options),
        Cli.ok(["grant", "--help"], options),
        Cli.refused(["grant", "alice", "user:FLY"], options),
        Cli.run(["create-user", "alice"], options)
      ], { concurrency: "unbounded" })
      for (const name of ["migrate", "status", "create-user", "grant", "token", "outbox"]) expect(help).toContain(name)
      expect(grantHelp).toContain("--scope")
      expect(badPermission).toBe(`kingdom: "user:FLY" is not a permission: write resource:ACTION, ACTION one of LIST, GET, CREATE, UPDATE, DELETE`)
      expect(noEmail.code).toBe(1)
      expect(noEmail.stderr).toContain("Expected to find option: '--email'")

      expect(yield* Cli.ok(["migrate"], options)).toMatch(/^Embedded PGlite at .*pgdata: migrations applied, none pending\n$/)
      // Piped standard input: no prompt, and the password is never printed.
      const created = yield* Cli.run(["create-user", "--email", "alice@example.com", "alice"], { env, stdin: `${password}\n` })
      expect(created).toMatchObject({ code: 0, stdout: "User alice created\n" })
      expect(created.stdout + created.stderr).not.toContain(password)
      expect(yield* Cli.ok(["grant", "alice", "user:LIST", "user:GET"], options)).toBe("Granted user:LIST, user:GET to alice\n")
      expect(yield* Cli.ok(["grant", "alice", "user:UPDATE", "--scope", "bob", "--scope", "carol"], options))
        .toBe("Granted user:UPDATE on bob, carol to alice\n")
      expect(yield* Cli.refused(["grant", "nobody", "user:LIST"], options)).toBe("kingdom: User nobody not found")
      const token = yield* Cli.ok(["token", "alice"], options)
      expect(token).toMatch(jwt)

      // Two events (UserCreated, then the grants') but one delivery: the mail subscriber's welcome.
      const created2 = yield* Cli.run(["create-user", "--email", "bob@example.com", "--password-file", "-", "bob"], { env, stdin: password })
      expect(created2.code).toBe(0)
      const first = yield* Cli.ok(["outbox", "list", "--limit", "1"], options)
      expect(first).toMatch(/UserCreated .* auth-mail\n {4}pending, 0 attempts so far/)
      const after = /More: kingdom outbox list --limit 1 --after (\S+)\n$/.exec(first)?.[1]
      expect(after).toBeDefined()
      const second = yield* Cli.ok(["outbox", "list", "--limit", "1", "--after", after!], options)
      expect(second).toContain("UserCreated")
      expect(second).not.toContain("More:")
      expect(second.split("  ")[2]).not.toBe(first.split("  ")[2])

      expect(yield* arrange(dataDir)).toBe(2)
      const status = yield* Cli.ok(["status"], options)
      expect(status).toContain(`database:   embedded PGlite at ${Path.join(dataDir, "pgdata")}`)
      expect(status).toContain("migrations: up to date")
      expect(status).toContain("users:      2")
      expect(status).toMatch(/deliveries: 0 pending, 2 parked/)
      const parked = yield* Cli.ok(["outbox", "list", "--state", "parked"], options)
      expect(parked).toMatch(/parked .* after 1 attempt: SMTP refused: test\n/)
      expect(parked).not.toContain("at stack")
      expect(yield* Cli.ok(["outbox", "replay", "--all"], options)).toBe("Replayed 2 parked deliveries\n")
      expect(yield* Cli.ok(["grant", "--role", "auditor", "alice"], options)).toBe("User alice now has role auditor\n")

      // A server holds the directory: the command line refuses it in one line; the token is accepted.
      const { answer, locked } = yield* Effect.gen(function*() {
        const server = yield* ServerProcess
        const answer = yield* graphql("{ me { accessKey } }", {}, token.trim()).pipe(Effect.provideService(TestServer, { baseUrl: server.baseUrl }))
        return { answer, locked: yield* Cli.refused(["status"], options) }
      }).pipe(Effect.provide(ServerProcessLayer.layer({ drainTimeout: "1 second", dataDir })), Effect.scoped)
      expect(answer.data).toEqual({ me: { accessKey: "alice" } })
      expect(locked).toMatch(/^kingdom: The data directory .* is in use by process \d+\. Stop that server/)
      expect(locked).not.toContain("\n")
      // A bound against hangs only: some thirty processes, each compiling with tsx, took 130 s alone and
      // over 180 s beside the rest of the suite on a loaded 2-core machine.
    }).pipe(Effect.scoped), 600_000)
  it.live.skipIf(Option.isNone(TestDatabases.postgresUrl))(
    `on a scratch PostgreSQL database${Option.isNone(TestDatabases.postgresUrl) ? ` (${TestDatabases.skipReason})` : ""}`,
    () =>
      Effect.gen(function*() {
        const serverUrl = Option.getOrThrow(TestDatabases.postgresUrl)
        const name = `kingdom_cli_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
        yield* Effect.acquireRelease(
          TestDatabases.onServer(serverUrl, (sql) => sql`CREATE DATABASE ${sql(name)}`),
          () => Effect.orDie(TestDatabases.onServer(serverUrl, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`))
        )
        const dataDir = yield* temporaryDir
        const passwordFile = Path.join(dataDir, "password")
        Fs.writeFileSync(passwordFile, `${password}\n`)
        const env = { DATABASE_URL: Redacted.value(TestDatabases.withDatabase(serverUrl, name)), DATA_DIR: dataDir }
        const options = { env }

        const before = yield* Cli.ok(["status"], options)
        expect(before).toContain(`database:   PostgreSQL at 127.0.0.1:5432/${name}`.replace("127.0.0.1:5432", new URL(serverUrl).host))
        expect(before).toMatch(/migrations: 0 applied, \d+ pending: 20261124000001_auth\.sql, .*\(run kingdom migrate\)/)
        expect(yield* Cli.ok(["migrate"], options)).toMatch(/^PostgreSQL at .*: \d+ migrations applied, none pending\n$/)
        expect(yield* Cli.ok(["create-user", "--email", "alice@example.com", "--password-file", passwordFile, "alice"], options))
          .toBe("User alice created\n")
        expect(yield* Cli.refused(["grant", "alice", "nope:LIST"], options)).toBe("kingdom: Not in the permission catalogue: nope:LIST")
        expect(yield* Cli.ok(["grant", "alice", "user:LIST"], options)).toBe("Granted user:LIST to alice\n")
        const token = yield* Cli.ok(["token", "alice"], options)
        expect(token).toMatch(jwt)
        const claims = yield* verify(dataDir, token.trim())
        expect(claims.sessionId).toMatch(/^[0-9a-f-]{36}$/)
        const status = yield* Cli.ok(["status"], options)
        expect(status).toMatch(/migrations: \d+ applied, 0 pending\nusers: {6}1\noutbox: {5}2 events not yet published .*\ndeliveries: 1 pending \(oldest event .* ago\), 0 parked\n$/)
        expect(yield* Cli.ok(["outbox", "list"], options)).toMatch(/UserCreated .* auth-mail\n {4}pending/)
      }).pipe(Effect.scoped),
    150_000
  )
})
