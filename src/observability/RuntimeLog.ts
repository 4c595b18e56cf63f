/**
 * Log lines written through a runtime's loggers from outside any fiber: what Effect.log does inside
 * one (the runtime's minimum level, loggers and annotations), without making a fiber for the line.
 * The access log writes one per request: as a fiber with annotateLogs it was about a quarter of the
 * CPU of a `{ __typename }` request (bench/README.md).
 */
import { Cause, FiberId, FiberRef, FiberRefs, HashMap, List, LogLevel, type Runtime } from "effect"

export type Write = (level: LogLevel.LogLevel, message: string, annotations: Readonly<Record<string, unknown>>, cause?: Cause.Cause<unknown>) => void

export const make = <R>(runtime: Runtime.Runtime<R>): Write => {
  const refs = runtime.fiberRefs
  const minimum = FiberRefs.getOrDefault(refs, FiberRef.currentMinimumLogLevel)
  const loggers = FiberRefs.getOrDefault(refs, FiberRef.currentLoggers)
  const base = FiberRefs.getOrDefault(refs, FiberRef.currentLogAnnotations)
  return (logLevel, message, annotations, cause = Cause.empty) => {
    if (LogLevel.greaterThan(minimum, logLevel)) return
    let all = base
    for (const key in annotations) all = HashMap.set(all, key, annotations[key])
    const date = new Date()
    for (const logger of loggers) {
      logger.log({ fiberId: FiberId.none, logLevel, message, cause, context: refs, spans: List.empty(), annotations: all, date })
    }
  }
}
