import { HttpApp, HttpRouter } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Readiness from "../../../src/observability/Readiness.js"

const probe = (checks: Readonly<Record<string, Readiness.Check>>) =>
  Effect.promise(async () => {
    const handler = HttpApp.toWebHandler(HttpRouter.toHttpApp(Readiness.routes(checks, Duration.millis(100))).pipe(Effect.flatten))
    const response = await handler(new Request("http://localhost/readyz"))
    return { status: response.status, body: await response.json() }
  })

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

  it("expects a version for every migration file", () => {
    const versions = Readiness.expectedVersions()
    expect(versions.length).toBeGreaterThanOrEqual(4)
    expect(versions.every((version) => /^\d{14}$/.test(version))).toBe(true)
  })
})
