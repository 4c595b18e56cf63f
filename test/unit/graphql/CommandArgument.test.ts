/**
 * Arguments.withCommand: the `command` argument becomes the command class, or a refusal the client
 * can read. Some fields declare it nullable, as the original API did, so graphql-js lets null through.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { withCommand } from "../../../src/graphql/Arguments.js"
import { codes } from "../../../src/graphql/ErrorCodes.js"

class Rename extends Schema.TaggedClass<Rename>()("Rename", { name: Schema.String }) {}

const rename = withCommand(Rename, (command) => Effect.succeed(command))

/** The tag and message of a refusal: the tag is what ErrorCodes.ts maps to `extensions.code`. */
const refusal = (args: Record<string, unknown>) =>
  Effect.map(Effect.flip(rename(args)), (error) => {
    const { _tag, message } = error as { readonly _tag: keyof typeof codes; readonly message: string }
    return { code: codes[_tag], message }
  })

describe("withCommand", () => {
  it.effect("decodes the command into its class, tagged by the server", () =>
    Effect.gen(function*() {
      expect(yield* rename({ command: { name: "ada" } })).toEqual(new Rename({ name: "ada" }))
    }))

  it.effect("refuses a null or missing command as BAD_USER_INPUT, saying that command is required", () =>
    Effect.gen(function*() {
      const required = { code: "BAD_USER_INPUT", message: "command is required" }
      expect(yield* refusal({ command: null })).toEqual(required)
      expect(yield* refusal({})).toEqual(required)
    }))

  it.effect("refuses a command whose fields do not decode as BAD_USER_INPUT", () =>
    Effect.gen(function*() {
      expect((yield* refusal({ command: { name: 5 } })).code).toBe("BAD_USER_INPUT")
    }))
})
