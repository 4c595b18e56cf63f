/**
 * ADMIN_ACCESS_KEY names the account the first start creates through createUser, so it is held to
 * createUser's rules when the configuration is read: a key that createUser would refuse (`*`, which a
 * grant's scope reads as every user, or one with spaces) stops the start with one line, before anything runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as AppConfig from "../../../src/Config.js"
import * as ConfigProblems from "../../../src/ConfigProblems.js"
import { readConfig } from "../../support/ConfigFrom.js"

const problemsOf = (env: Record<string, string>) =>
  Either.match(Effect.runSync(readConfig(AppConfig.serverSettings, env)), { onLeft: ConfigProblems.lines, onRight: () => [] })

describe("ADMIN_ACCESS_KEY", () => {
  it("is refused when createUser would refuse it, saying why", () => {
    expect(problemsOf({ ADMIN_ACCESS_KEY: "*" })).toEqual([`ADMIN_ACCESS_KEY: must not contain "*": in a grant's scope it stands for every user`])
    expect(problemsOf({ ADMIN_ACCESS_KEY: "root admin" })).toEqual(["ADMIN_ACCESS_KEY: must be 1-128 characters without spaces"])
  })

  it("takes any other key, and defaults to admin", () => {
    expect(Effect.runSync(readConfig(AppConfig.admin, { ADMIN_ACCESS_KEY: "root" }))).toMatchObject(Either.right({ accessKey: "root" }))
    expect(Effect.runSync(readConfig(AppConfig.admin))).toMatchObject(Either.right({ accessKey: "admin" }))
  })
})
