/**
 * Commands racing on one aggregate, on every implementation (memory, PGlite, PostgreSQL): whatever
 * interleaving happens, the end state is that of some serial order of the commands that succeeded,
 * every loser fails with a domain error (never a defect), and versions count every successful save.
 * Memory and PGlite run one unit of work at a time, so they must reach the same results without
 * retries; on PostgreSQL the commands overlap for real, which the retry counter proves.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Metric, Option, Redacted } from "effect"
import * as Grant from "../../src/access/Grant.js"
import * as Commands from "../../src/auth/Commands.js"
import * as PasswordReset from "../../src/auth/domain/PasswordReset.js"
import { dispatch } from "../../src/auth/handlers/Handlers.js"
import { ResetTokenRepository } from "../../src/auth/ports/ResetTokenRepository.js"
import { RoleRepository } from "../../src/auth/ports/RoleRepository.js"
import { UserRepository } from "../../src/auth/ports/UserRepository.js"
import { ConflictRetry, type ConflictRetryPolicy, retriesTotal } from "../../src/kernel/ConflictRetry.js"
import { sha256Hex } from "../../src/kernel/Secrets.js"
import { type CommandServices, worlds } from "../support/CommandWorlds.js"
import { clockPast } from "../support/Eventually.js"
import { randomKey } from "../support/RandomRefs.js"
import { suiteName } from "../support/Skips.js"

/**
 * Enough re-runs that 50 racers on one row all get through (30 sufficed in trials; the default 5 lets
 * about 60% answer CONFLICT); short pauses keep the test fast.
 */
const generous: ConflictRetryPolicy = { retries: 100, baseDelay: Duration.millis(1), maxDelay: Duration.millis(20) }
const none: ConflictRetryPolicy = { retries: 0, baseDelay: Duration.zero, maxDelay: Duration.zero }

/** "success", the failure's tag, or "defect" (a die or an interruption: never acceptable). */
const outcomeOf = (exit: Exit.Exit<unknown, { readonly _tag: string }>): string =>
  Exit.isSuccess(exit)
    ? "success"
    : Option.match(Cause.failureOption(exit.cause), { onNone: () => `defect: ${Cause.pretty(exit.cause)}`, onSome: (error) => error._tag })

const tally = (outcomes: ReadonlyArray<string>) =>
  outcomes.reduce<Record<string, number>>((counts, outcome) => ({ ...counts, [outcome]: (counts[outcome] ?? 0) + 1 }), {})

/** Runs every effect at once and answers each one's outcome, in input order. */
const race = (effects: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }, CommandServices>>, policy: ConflictRetryPolicy) =>
  Effect.all(effects.map((effect) => Effect.map(Effect.exit(effect), outcomeOf)), { concurrency: "unbounded" }).pipe(
    Effect.provideService(ConflictRetry, policy),
    Effect.timed,
    Effect.map(([elapsed, outcomes]) => ({ outcomes, millis: Math.round(Duration.toMillis(elapsed)) }))
  )

/**
 * Conflicts counted so far for these commands (the counter is process-wide: tests read differences).
 * When every command finally succeeds, as in the retried races, each one counted was run again.
 */
const retriesOf = (commands: ReadonlyArray<string>) =>
  Effect.map(
    Effect.forEach(commands, (command) => Metric.value(Metric.tagged(retriesTotal, "command", command))),
    (states) => states.reduce((sum, state) => sum + state.count, 0)
  )

/**
 * 50 changes of one conditional grant, each on its own scope entry: attaching `a<i>` or detaching
 * `d<i>`, which the aggregate starts with. Changes of distinct entries commute, so every serial order
 * of a set of them ends in the same grants, computed here without a database.
 */
interface Change {
  readonly attach: boolean
  readonly selector: string
}
const changes: ReadonlyArray<Change> = Array.from({ length: 50 }, (_, index) =>
  index % 2 === 0 ? { attach: true, selector: `a${index}` } : { attach: false, selector: `d${index}` })
const detachable = changes.filter((change) => !change.attach).map((change) => change.selector)
const userGet = (scope: ReadonlyArray<string>) => ({ resource: "user", action: "GET", isConditional: true, scope }) as const

const appliedSerially = (start: ReadonlyArray<Grant.Grant>, applied: ReadonlyArray<Change>) =>
  applied.reduce((grants, change) => {
    const grant = [Grant.scoped("user", "GET", [change.selector])]
    return change.attach ? Grant.union(grants, grant) : Grant.difference(grants, grant)
  }, Grant.normalize(start))

/** The two aggregates that hold grants, behind the same four steps. */
const targets = [
  {
    aggregate: "role",
    commands: ["AttachRolePermissions", "DetachRolePermissions"],
    create: (code: string) => dispatch(new Commands.CreateRole({ code, name: "Contested", permissions: [userGet(detachable)] })),
    change: (code: string, change: Change) =>
      change.attach
        ? dispatch(new Commands.AttachRolePermissions({ code, permissions: [userGet([change.selector])] }))
        : dispatch(new Commands.DetachRolePermissions({ code, permissions: [userGet([change.selector])] })),
    read: (code: string) => Effect.flatMap(Effect.flatMap(RoleRepository, (roles) => roles.byCode(code)), Effect.orDie)
  },
  {
    aggregate: "user",
    commands: ["AttachUserPermissions", "DetachUserPermissions"],
    create: (accessKey: string) =>
      Effect.zipRight(
        dispatch(new Commands.CreateUser({ accessKey, email: "contested@example.test", name: "Contested", password: Redacted.make("a password") })),
        dispatch(new Commands.AttachUserPermissions({ accessKey, permissions: [userGet(detachable)] }))
      ),
    change: (accessKey: string, change: Change) =>
      change.attach
        ? dispatch(new Commands.AttachUserPermissions({ accessKey, permissions: [userGet([change.selector])] }))
        : dispatch(new Commands.DetachUserPermissions({ accessKey, permissions: [userGet([change.selector])] })),
    read: (accessKey: string) => Effect.flatMap(Effect.flatMap(UserRepository, (users) => users.byAccessKey(accessKey)), Effect.orDie)
  }
] as const

/**
 * `count` concurrent password changes of one user, each with a reset token issued at `issuedAt` (its
 * own, or with `oneToken` all the same one) and a password of its own.
 */
const passwordRace = (count: number, issuedAt: (createdAt: Date) => Date, oneToken = false) =>
  Effect.gen(function*() {
    const accessKey = randomKey("racer")
    const initial = "the initial password"
    const user = yield* dispatch(
      new Commands.CreateUser({ accessKey, email: "racer@example.test", name: "Racer", password: Redacted.make(initial) })
    )
    const stored = Effect.flatMap(Effect.flatMap(UserRepository, (users) => users.byId(user.id)), Effect.orDie)
    const before = yield* stored
    const tokens = yield* ResetTokenRepository
    const racers = Array.from({ length: count }, (_, index) =>
      ({ secret: `${accessKey}-secret-${oneToken ? 0 : index}`, password: `new password ${index}` }))
    yield* Effect.forEach(new Set(racers.map((racer) => racer.secret)), (secret) =>
      tokens.add(PasswordReset.issue({ tokenHash: sha256Hex(secret), userId: user.id, now: issuedAt(user.createdAt), ttlMillis: 3_600_000 })))
    // Every change in the race happens in a later millisecond than the user's creation, so the first
    // committed change makes tokens issued at that creation stale (it compares milliseconds).
    yield* clockPast(user.createdAt.getTime())
    const { millis, outcomes } = yield* race(
      racers.map(({ password, secret }) =>
        dispatch(new Commands.ChangePassword({ token: Redacted.make(secret), newPassword: Redacted.make(password) }))),
      generous
    )
    const authenticates = yield* Effect.forEach([initial, ...racers.map((racer) => racer.password)], (password) =>
      Effect.map(Effect.exit(dispatch(new Commands.Authenticate({ accessKey, password: Redacted.make(password) }))), Exit.isSuccess))
    const after = yield* stored
    const won = racers.filter((_, index) => outcomes[index] === "success").map((racer) => racer.password)
    const working = racers.filter((_, index) => authenticates[index + 1]).map((racer) => racer.password)
    return { millis, outcomes, initialWorks: authenticates[0], won, working, versionGain: after.version - before.version }
  })

for (const world of worlds(20)) {
  describe.skipIf(world.skip !== undefined)(suiteName(`concurrent commands on ${world.name}`, world.skip), () => {
    layer(world.layer(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
      for (const target of targets) {
        it.effect(`50 attach/detach on one ${target.aggregate}, retried: all succeed, none lost`, () =>
          Effect.gen(function*() {
            const key = randomKey(target.aggregate)
            yield* target.create(key)
            const before = yield* target.read(key)
            const retriesBefore = yield* retriesOf(target.commands)
            const { millis, outcomes } = yield* race(changes.map((change) => target.change(key, change)), generous)
            const retries = (yield* retriesOf(target.commands)) - retriesBefore
            console.log(`${world.name}, one ${target.aggregate}: 50 commands in ${millis} ms, ${retries} conflict retries`)

            expect(tally(outcomes)).toEqual({ success: changes.length })
            const after = yield* target.read(key)
            expect(after.permissions).toEqual(appliedSerially(before.permissions, changes))
            expect(after.version).toBe(before.version + changes.length)
            // Proof the commands overlapped: some lost a race and ran again.
            if (world.concurrent) expect(retries).toBeGreaterThan(0)
          }))

        it.effect(`50 attach/detach on one ${target.aggregate}, no retries: losers fail with Conflict, winners all count`, () =>
          Effect.gen(function*() {
            const key = randomKey(target.aggregate)
            yield* target.create(key)
            const before = yield* target.read(key)
            const { millis, outcomes } = yield* race(changes.map((change) => target.change(key, change)), none)
            const counts = tally(outcomes)
            console.log(`${world.name}, one ${target.aggregate}, no retries: ${JSON.stringify(counts)} in ${millis} ms`)

            expect(Object.keys(counts).filter((outcome) => outcome !== "success" && outcome !== "Conflict")).toEqual([])
            const succeeded = changes.filter((_, index) => outcomes[index] === "success")
            expect(succeeded.length).toBeGreaterThan(0)
            const after = yield* target.read(key)
            expect(after.permissions).toEqual(appliedSerially(before.permissions, succeeded))
            expect(after.version).toBe(before.version + succeeded.length)
            if (world.concurrent) expect(counts["Conflict"] ?? 0).toBeGreaterThan(0)
          }))
      }

      it.effect("concurrent password changes with tokens issued before the race: one wins, the rest are stale", () =>
        Effect.gen(function*() {
          const result = yield* passwordRace(10, (createdAt) => createdAt)
          console.log(`${world.name}, stale tokens: ${JSON.stringify(tally(result.outcomes))} in ${result.millis} ms`)
          // A change invalidates every token issued before it, so the first committed change is the only one.
          expect(tally(result.outcomes)).toEqual({ success: 1, InvalidToken: 9 })
          expect(result.working).toEqual(result.won)
          expect(result.initialWorks).toBe(false)
          expect(result.versionGain).toBe(1)
        }))

      it.effect("concurrent password changes with tokens that stay valid: all win in turn, the last one counts", () =>
        Effect.gen(function*() {
          // Issued after every change of the race (as if mailed while it runs), so no change makes another stale.
          const result = yield* passwordRace(10, () => new Date(Date.now() + 60_000))
          console.log(`${world.name}, valid tokens: ${JSON.stringify(tally(result.outcomes))} in ${result.millis} ms`)
          expect(tally(result.outcomes)).toEqual({ success: 10 })
          // The stored password is one of them (the last committed); no other, nor the initial one, works.
          expect(result.working).toHaveLength(1)
          expect(result.won).toContain(result.working[0])
          expect(result.initialWorks).toBe(false)
          expect(result.versionGain).toBe(10)
        }))

      it.effect("one reset token spent by 5 concurrent changes: one success, 4 InvalidToken", () =>
        Effect.gen(function*() {
          const result = yield* passwordRace(5, () => new Date(Date.now() + 60_000), true)
          console.log(`${world.name}, one token: ${JSON.stringify(tally(result.outcomes))} in ${result.millis} ms`)
          expect(tally(result.outcomes)).toEqual({ success: 1, InvalidToken: 4 })
          expect(result.working).toEqual(result.won)
          expect(result.versionGain).toBe(1)
        }))

      it.effect("10 concurrent createUser with one access key: one success, 9 UserAlreadyExists", () =>
        Effect.gen(function*() {
          const accessKey = randomKey("twin")
          const { millis, outcomes } = yield* race(
            Array.from({ length: 10 }, (_, index) =>
              dispatch(new Commands.CreateUser({
                accessKey,
                email: `twin${index}@example.test`,
                name: `Twin ${index}`,
                password: Redacted.make("twin password")
              }))),
            generous
          )
          console.log(`${world.name}, duplicate users: ${JSON.stringify(tally(outcomes))} in ${millis} ms`)
          expect(tally(outcomes)).toEqual({ success: 1, UserAlreadyExists: 9 })
          const stored = yield* Effect.flatMap(Effect.flatMap(UserRepository, (users) => users.byAccessKey(accessKey)), Effect.orDie)
          expect(stored.email).toBe(`twin${outcomes.indexOf("success")}@example.test`)
          expect(yield* Effect.flatMap(UserRepository, (users) => users.count({ accessKeys: [accessKey] }))).toBe(1)
        }))

      it.effect("10 concurrent createRole with one code: one success, 9 RoleAlreadyExists", () =>
        Effect.gen(function*() {
          const code = randomKey("twin")
          const { millis, outcomes } = yield* race(
            Array.from({ length: 10 }, (_, index) =>
              dispatch(new Commands.CreateRole({ code, name: `Twin ${index}`, permissions: [userGet([`u${index}`])] }))),
            generous
          )
          console.log(`${world.name}, duplicate roles: ${JSON.stringify(tally(outcomes))} in ${millis} ms`)
          expect(tally(outcomes)).toEqual({ success: 1, RoleAlreadyExists: 9 })
          const winner = outcomes.indexOf("success")
          const stored = yield* Effect.flatMap(Effect.flatMap(RoleRepository, (roles) => roles.byCode(code)), Effect.orDie)
          // The winner's grants only: a loser's insert left nothing behind.
          expect([stored.name, stored.permissions]).toEqual([`Twin ${winner}`, [Grant.scoped("user", "GET", [`u${winner}`])]])
          expect(yield* Effect.flatMap(RoleRepository, (roles) => roles.count({ name: "", codes: [code] }))).toBe(1)
        }))
    })
  })
}
