import { HttpApp, HttpRouter } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readiness from "../../../src/observability/Readiness.js"

const development: Readiness.Disclosure = { environment: "development", token: Option.none() }
const token = "operator-secret"

const probe = (checks: Readonly<Record<string, Readiness.Check>>, disclosure: Readiness.Disclosure = development, authorization?: string) =>
  Effect.promise(async () => {
    const handler = HttpApp.toWebHandler(HttpRouter.toHttpApp(Readiness.routes(checks, Duration.millis(100), disclosure)).pipe(Effect.flatten))
    const response = await handler(new Request("http://localhost/readyz", { headers: authorization === undefined ? {} : { authorization } }))
    return { status: response.status, body: await response.json() }
  })

const failing = { database: Effect.fail("connect ECONNREFUSED 10.0.0.5:5432"), migrations: Effect.void }

describe("/readyz", () => {
  it.live("is 200 when every check passes", () =>
    Effect.gen(function*() {
      expect(yield* probe({ database: Effect.void, nats: Effect.void })).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok", nats: "ok" } } })
    }))

  it.live("is 503 naming each failed check, and a check that does not answer within READINESS_TIMEOUT fails", () =>
    Effect.gen(function*() {
      const answer = yield* probe({ database: Effect.void, migrations: Effect.fail("not applied: 20990101000000"), nats: Effect.never })
      expect(answer).toEqual({
        status: 503,
        body: { status: "not ready", checks: { database: "ok", migrations: "not applied: 20990101000000", nats: "no answer within 100ms (READINESS_TIMEOUT)" } }
      })
    }))

  it.live("in production answers the status alone: no check, no error text, whatever the caller sends", () =>
    Effect.gen(function*() {
      const withToken: Readiness.Disclosure = { environment: "production", token: Option.some(Redacted.make(token)) }
      const withoutToken: Readiness.Disclosure = { environment: "production", token: Option.none() }
      expect(yield* probe(failing, withToken)).toEqual({ status: 503, body: { status: "not ready" } })
      expect(yield* probe(failing, withToken, `Bearer ${token}x`)).toEqual({ status: 503, body: { status: "not ready" } })
      expect(yield* probe(failing, withToken, token)).toEqual({ status: 503, body: { status: "not ready" } })
      // Without METRICS_TOKEN nobody gets the details, whatever bearer is sent.
      expect(yield* probe(failing, withoutToken, "Bearer ")).toEqual({ status: 503, body: { status: "not ready" } })
      expect(yield* probe(failing, withoutToken, `Bearer ${token}`)).toEqual({ status: 503, body: { status: "not ready" } })
      expect(yield* probe({ database: Effect.void }, withToken)).toEqual({ status: 200, body: { status: "ready" } })
    }))

  it.live("in production tells the checks to `Authorization: Bearer <METRICS_TOKEN>`", () =>
    Effect.gen(function*() {
      const disclosure: Readiness.Disclosure = { environment: "production", token: Option.some(Redacted.make(token)) }
      expect(yield* probe(failing, disclosure, `Bearer ${token}`)).toEqual({
        status: 503,
        body: { status: "not ready", checks: { database: "connect ECONNREFUSED 10.0.0.5:5432", migrations: "ok" } }
      })
    }))

  it.live("in development and tests tells the checks to anyone", () =>
    Effect.gen(function*() {
      const expected = { status: 503, body: { status: "not ready", checks: { database: "connect ECONNREFUSED 10.0.0.5:5432", migrations: "ok" } } }
      expect(yield* probe(failing, { environment: "test", token: Option.some(Redacted.make(token)) })).toEqual(expected)
      expect(yield* probe(failing, development)).toEqual(expected)
    }))

  it("expects a version for every migration file, and only for those", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-versions-"))
    try {
      for (const file of ["20990102000000_second.sql", "20990101000000_first.sql", "README.md", "20990103000000_draft.sql.orig"]) {
        Fs.writeFileSync(Path.join(dir, file), "")
      }
      expect(Readiness.expectedVersions(dir)).toEqual(["20990101000000", "20990102000000"])
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
    // The project's own: one per file in db/migrations, read here without the code under test.
    const files = Fs.readdirSync(new URL("../../../db/migrations/", import.meta.url)).filter((file) => file.endsWith(".sql"))
    expect(files.length).toBeGreaterThan(0)
    expect(Readiness.expectedVersions()).toEqual(files.map((file) => /^(\d{14})_/.exec(file)![1]).sort())
  })
})
