/**
 * A suite that cannot run on this machine is skipped with what it needs in its name, so the report
 * says why for every skipped case (and `.ci/run`, which refuses any skip, lists them):
 *
 *   const skip = Skips.reason(backend.skip, NatsServer.unavailable)
 *   describe.skipIf(skip !== undefined)(Skips.suiteName(`event delivery (${backend.name})`, skip), () => …)
 */

/** Every reason that applies, in one line; undefined when none does. */
export const reason = (...reasons: ReadonlyArray<string | undefined>): string | undefined => {
  const found = reasons.filter((found): found is string => found !== undefined)
  return found.length === 0 ? undefined : found.join("; ")
}

/** The suite's (or a case's) name, with the reason it is skipped when it is. */
export const suiteName = (name: string, skip: string | undefined) => (skip === undefined ? name : `${name} (skipped: ${skip})`)
