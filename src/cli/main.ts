/**
 * `npx kingdom <command>`: the operator's command line (@effect/cli), on the database the server
 * uses (DATABASE_URL, or the embedded one in DATA_DIR while no server holds it), configured by the
 * same variables (Config.ts). Results go to stdout, logs and errors to stderr: a failure is one line
 * and exit code 1 (bad arguments: @effect/cli's message, which may add the command's usage).
 */
import { Command, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, ConfigError, Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { createRequire } from "node:module"
import * as ConfigProblems from "../ConfigProblems.js"
import * as CreateUser from "./CreateUser.js"
import * as Grant from "./Grant.js"
import * as Migrate from "./Migrate.js"
import * as Outbox from "./Outbox.js"
import * as Status from "./Status.js"
import * as Token from "./Token.js"

const { version } = createRequire(import.meta.url)("../../package.json") as { readonly version: string }

const kingdom = Command.make("kingdom").pipe(
  Command.withDescription("Operate a kingdom-server database: migrations, status, users, grants, tokens, events"),
  Command.withSubcommands([Migrate.command, Status.command, CreateUser.command, Grant.command, Token.command, Outbox.command])
)

const cli = Command.run(kingdom, { name: "kingdom", version })

const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

/**
 * @effect/cli has printed its own message for bad arguments; anything else gets one line here (an
 * unexpected error's whole cause with `--log-level debug`).
 */
const report = (cause: Cause.Cause<unknown>) =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Option.match(Cause.failureOption(cause), {
    onSome: (error) =>
      ValidationError.isValidationError(error)
        ? Effect.void
        : ConfigError.isConfigError(error)
        ? Console.error(ConfigProblems.report(ConfigProblems.lines(error), "kingdom"))
        : Console.error(`kingdom: ${messageOf(error)}`),
    onNone: () => Effect.zipRight(Console.error(`kingdom: unexpected error: ${messageOf(Cause.squash(cause))}`), Effect.logDebug(cause))
  })

/**
 * Logs go to stderr, so stdout holds only results (`TOKEN=$(npx kingdom token alice)`), and only
 * warnings and errors unless `--log-level info` (built into @effect/cli) asks for more: an operator
 * reads the command's answer, not the server's start-up lines.
 */
const logging = Layer.merge(
  Logger.minimumLogLevel(LogLevel.Warning),
  Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true }))
)

cli(process.argv).pipe(
  Effect.tapErrorCause(report),
  Effect.provide(Layer.mergeAll(NodeContext.layer, logging)),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
