import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import * as AppConfig from "../../src/Config.js"
import * as ConfigProblems from "../../src/ConfigProblems.js"

const problemsOf = (env: Record<string, string>) =>
  AppConfig.serverSettings.pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.either,
    Effect.map(Either.match({ onLeft: ConfigProblems.lines, onRight: () => [] }))
  )

describe("configuration problems", () => {
  it.effect("are listed one per line, each naming its variable and what it accepts", () =>
    Effect.gen(function*() {
      const problems = yield* problemsOf({ PORT: "abc", JWT_TTL: "banana", GRAPHQL_MAX_DEPTH: "-3" })
      expect(problems).toEqual(expect.arrayContaining([
        "PORT: Expected a network port value but received \"abc\"",
        "JWT_TTL: Expected a duration but received \"banana\"",
        "GRAPHQL_MAX_DEPTH: must be a positive integer"
      ]))
      expect(problems).toHaveLength(3)
      expect(ConfigProblems.report(problems).split("\n")).toEqual([
        "kingdom-server cannot start: 3 configuration problems",
        ...problems.map((problem) => `  ${problem}`)
      ])
    }))

  it.effect("none for the defaults", () =>
    Effect.gen(function*() {
      expect(yield* problemsOf({})).toEqual([])
    }))
})
