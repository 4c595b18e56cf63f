/**
 * The Administrators port on every implementation (memory, PGlite, PostgreSQL): the same users count
 * as administrators (the domain's rule, in SQL and in memory), and two commands racing to demote the
 * last two administrators leave one. On PostgreSQL they overlap for real; the advisory lock is what
 * makes the second see the first.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Option, Redacted } from "effect"
import * as Commands from "../../src/auth/Commands.js"
import { Administrators } from "../../src/auth/ports/Administrators.js"
import { dispatch } from "../../src/auth/handlers/Handlers.js"
import * as Composition from "../../src/Composition.js"
import { ConflictRetry } from "../../src/kernel/ConflictRetry.js"
import { UnitOfWork } from "../../src/kernel/UnitOfWork.js"
import { worlds } from "../support/CommandWorlds.js"
import { randomKey } from "../support/RandomRefs.js"

type Action = "LIST" | "GET" | "CREATE" | "UPDATE" | "DELETE"
type GrantInput = { readonly resource: string; readonly action: Action; readonly isConditional: boolean; readonly scope: ReadonlyArray<string> }
const grant = (resource: string, action: Action): GrantInput => ({ resource, action, isConditional: false, scope: [] })
const everything: ReadonlyArray<GrantInput> = Composition.catalogue.filter((permission) => !permission.isConditional).map((permission) => ({ ...permission, scope: [] }))

const outcomeOf = (exit: Exit.Exit<unknown, { readonly _tag: string }>): string =>
  Exit.isSuccess(exit)
    ? "success"
    : Option.match(Cause.failureOption(exit.cause), { onNone: () => `defect: ${Cause.pretty(exit.cause)}`, onSome: (error) => error._tag })

const newUser = (prefix: string, permissions: ReadonlyArray<GrantInput>) =>
  Effect.gen(function*() {
    const accessKey = randomKey(prefix)
    const user = yield* dispatch(new Commands.CreateUser({ accessKey, email: `${accessKey}@example.com`, name: prefix, password: Redacted.make("a long password") }))
    if (permissions.length > 0) yield* dispatch(new Commands.AttachUserPermissions({ accessKey, permissions }))
    return user
  })

const administrators = Effect.flatMap(UnitOfWork, (uow) => uow.transactional(Effect.flatMap(Administrators, (port) => port.locked))).pipe(
  Effect.map((found) => found.map((administrator) => administrator.id))
)

for (const world of worlds()) {
  describe.skipIf(world.skip !== undefined)(`administrators on ${world.name}${world.skip ? ` (skipped: ${world.skip})` : ""}`, () => {
    layer(world.layer())((it) => {
      it.effect("every implementation finds the same administrators: the whole catalogue on every instance, own or through a role", () =>
        Effect.gen(function*() {
          const direct = yield* newUser("direct", everything)
          const viaScope = yield* newUser("scope", everything.map((g) => (g.resource === "user" && g.action === "GET" ? { ...g, isConditional: true, scope: ["*"] } : g)))
          const partial = yield* newUser("partial", everything.filter((g) => g.action !== "DELETE"))
          const scopedToOne = yield* newUser("one", everything.map((g) => (g.resource === "user" && g.action === "GET" ? { ...g, isConditional: true, scope: ["alice"] } : g)))
          const code = randomKey("all")
          yield* dispatch(new Commands.CreateRole({ code, name: "Everything", permissions: everything.filter((g) => g.resource !== "role") }))
          const mixed = yield* newUser("mixed", everything.filter((g) => g.resource === "role"))
          yield* dispatch(new Commands.SetUserRole({ userAccessKey: mixed.accessKey, roleCode: code, overridePermissions: false }))
          const found = yield* administrators
          expect(found).toEqual(expect.arrayContaining([direct.id, viaScope.id, mixed.id]))
          expect(found).not.toContain(partial.id)
          expect(found).not.toContain(scopedToOne.id)
        }))
    })

    // A world of its own: from the start only the users of this test hold everything.
    layer(world.layer())((it) => {
      it.effect("of two commands racing to demote the last two administrators, one succeeds and the other answers LastAdministrator", () =>
        Effect.gen(function*() {
          let survivor = yield* newUser("first", everything)
          for (let round = 0; round < 8; round++) {
            const other = yield* newUser("next", everything)
            const outcomes = yield* Effect.all(
              [survivor, other].map((user) =>
                Effect.map(Effect.exit(dispatch(new Commands.DetachUserPermissions({ accessKey: user.accessKey, permissions: [grant("user", "DELETE")] }))), outcomeOf)
              ),
              { concurrency: "unbounded" }
            ).pipe(Effect.provideService(ConflictRetry, { retries: 10, baseDelay: Duration.millis(1), maxDelay: Duration.millis(10) }))
            expect(outcomes.sort()).toEqual(["LastAdministrator", "success"])
            const left = yield* administrators
            expect(left).toHaveLength(1)
            if (left[0] === other.id) survivor = other
          }
        }))
    })
  })
}
