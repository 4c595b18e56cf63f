/**
 * A new user's password, never on the command line (where `ps` and shell history would keep it):
 * from a file, from standard input when it is piped, or typed at a prompt that echoes nothing.
 */
import { Options, Prompt } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Effect, Option, Redacted } from "effect"
import { text } from "node:stream/consumers"
import { UsageError } from "./UsageError.js"

export const fileOption = Options.text("password-file").pipe(
  Options.withDescription("Read the password from this file ('-': standard input). Otherwise it is read from piped input, or asked for"),
  Options.optional
)

/** The first line: a file written by `echo` ends with a newline that is not part of the password. */
const firstLine = (content: string) => content.split(/\r?\n/, 1)[0] ?? ""

const stdin = Effect.promise(() => text(process.stdin))

const fromFile = (path: string) =>
  path === "-" ? stdin : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.mapError((error) => new UsageError({ reason: `--password-file: cannot read ${path} (${error.message})` }))
  )

const typed = Effect.gen(function*() {
  const password = yield* Prompt.run(Prompt.password({ message: "Password" }))
  const again = yield* Prompt.run(Prompt.password({ message: "Repeat it" }))
  if (Redacted.value(password) !== Redacted.value(again)) return yield* new UsageError({ reason: "the passwords differ" })
  return Redacted.value(password)
})

export const read = (file: Option.Option<string>) =>
  Option.match(file, {
    onSome: (path) => Effect.map(fromFile(path), firstLine),
    onNone: () => process.stdin.isTTY ? typed : Effect.map(stdin, firstLine)
  }).pipe(
    Effect.filterOrFail((password) => password !== "", () => new UsageError({ reason: "the password is empty" })),
    Effect.map(Redacted.make)
  )
