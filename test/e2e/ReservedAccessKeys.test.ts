/**
 * A grant's scope names users by access key and every user by `*`: an account whose key holds `*`
 * would turn a grant meant for it into one over everybody. Every way to create an account refuses
 * such a key with a coded error naming the field and why: the createUser mutation (BAD_USER_INPUT)
 * and `kingdom create-user` (exit 1, one line). ADMIN_ACCESS_KEY: test/unit/auth/AdminAccessKeyConfig.test.ts.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "../support/CliProcess.js"
import { adminToken, command, failures, graphql, newUser } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const reason = `accessKey must not contain "*": in a grant's scope it stands for every user`

describe("access keys the scope syntax reserves", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("createUser refuses them with BAD_USER_INPUT, and no account is made", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        for (const accessKey of ["*", `${newUser().accessKey}*`]) {
          const refused = yield* command("createUser", "CreateUser", { ...newUser(), accessKey }, token)
          expect(failures(refused)).toEqual({ codes: ["BAD_USER_INPUT"], messages: [reason] })
          const found = yield* graphql("query ($key: String!) { user(accessKey: $key) { accessKey } }", { key: accessKey }, token)
          expect(found.data?.["user"] ?? null).toBeNull()
        }
      }))
  })

  it.live("kingdom create-user refuses them in one line, exit code 1", () =>
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-cli-"))),
        (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
      )
      const refused = yield* Cli.refused(["create-user", "--email", "star@example.com", "*"], { env: { DATA_DIR: dataDir }, stdin: "correct-horse-battery\n" })
      expect(refused).toBe(`kingdom: ${reason}`)
    }).pipe(Effect.scoped), 60_000)
})
