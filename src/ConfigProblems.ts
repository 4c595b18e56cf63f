/**
 * A configuration that cannot start the server, said one line per problem: the variable, then what
 * it got wrong. Effect's ConfigError nests every problem it found in one tree (`(A) and (B) and …`);
 * an operator fixing the environment wants a list.
 */
import { ConfigError } from "effect"

const line = (path: ReadonlyArray<string>, message: string) => path.length === 0 ? message : `${path.join("_")}: ${message}`

export const lines = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  const all = ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left: ReadonlyArray<string>, right: ReadonlyArray<string>) => [...left, ...right],
    orCase: (_, left, right) => [...left, ...right],
    invalidDataCase: (_, path, message) => [line(path, message)],
    missingDataCase: (_, path, message) => [line(path, message)],
    sourceUnavailableCase: (_, path, message) => [line(path, message)],
    unsupportedCase: (_, path, message) => [line(path, message)]
  })
  return [...new Set(all)]
}

/** The block printed instead of starting; `who` names the program that refused. */
export const report = (problems: ReadonlyArray<string>, who = "kingdom-server cannot start"): string =>
  [`${who}: ${problems.length === 1 ? "a configuration problem" : `${problems.length} configuration problems`}`, ...problems.map((problem) => `  ${problem}`)].join("\n")
