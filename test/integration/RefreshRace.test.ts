/**
 * One refresh token sent many times at once, through the bus, on every implementation: exactly one
 * refresh succeeds, and the others count as reuse, so the family is revoked and even the winner's new
 * token is refused. On PostgreSQL the commands overlap for real (the `used_at IS NULL` guard decides).
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Either, Redacted } from "effect"
import * as Commands from "../../src/auth/Commands.js"
import { dispatch } from "../../src/auth/handlers/Handlers.js"
import { worlds } from "../support/CommandWorlds.js"
import { randomKey } from "../support/RandomRefs.js"

const racers = 10

for (const world of worlds()) {
  describe.skipIf(world.skip !== undefined)(`racing refreshes on ${world.name}${world.skip ? ` (skipped: ${world.skip})` : ""}`, () => {
    layer(world.layer(), { timeout: Duration.minutes(1) })((it) => {
      it.effect(`${racers} refreshes with one token: one wins, and the reuse revokes the family`, () =>
        Effect.gen(function*() {
          const password = Redacted.make("correct horse battery")
          const accessKey = randomKey("racer")
          yield* dispatch(new Commands.CreateUser({ accessKey, email: `${accessKey}@example.com`, name: "Racer", password }))
          const { token } = yield* dispatch(new Commands.Authenticate({ accessKey, password }))
          const refresh = new Commands.RefreshToken({ refreshToken: token.refreshToken })
          const outcomes = yield* Effect.all(Array.from({ length: racers }, () => dispatch(refresh)), { concurrency: "unbounded" })
          const winners = outcomes.filter(Either.isRight)
          expect(winners).toHaveLength(1)
          expect(outcomes.filter(Either.isLeft).map((outcome) => outcome.left._tag)).toEqual(Array(racers - 1).fill("InvalidToken"))
          const next = yield* dispatch(new Commands.RefreshToken({ refreshToken: winners[0]!.right.refreshToken }))
          expect(Either.isLeft(next)).toBe(true)
        }))
    })
  })
}
