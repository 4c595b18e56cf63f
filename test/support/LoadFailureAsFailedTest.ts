import type { RunnerTestCase, RunnerTestFile } from "vitest"
import type { Reporter } from "vitest/reporters"

const hasFailedTest = (tasks: RunnerTestFile["tasks"]): boolean =>
  tasks.some((task) => task.type === "suite" ? hasFailedTest(task.tasks) : task.result?.state === "fail")

/**
 * A mutation run's reporter (vitest.mutation.config.ts). Stryker's vitest runner (9.6, 10.0; upstream
 * stryker-js#6150) judges a mutant by the tests it collected, and a test file that throws while it
 * loads collects none: a mutant that stops a module from loading (an event's tag emptied, a module
 * constant broken) read as survived, and a test file broken in the initial run went unnoticed. Each
 * file that failed with no failing test gets one failing test carrying the file's error, so Stryker
 * counts the mutant as killed, and refuses to start on a suite that does not load.
 */
export class LoadFailureAsFailedTest implements Reporter {
  onFinished(files: ReadonlyArray<RunnerTestFile>) {
    for (const file of files) {
      if (file.result?.state !== "fail" || hasFailedTest(file.tasks)) continue
      const loading: RunnerTestCase = {
        type: "test",
        id: `${file.id}_load`,
        name: "(the test file loads)",
        mode: "run",
        file,
        meta: {},
        timeout: 0,
        annotations: [],
        // Vitest builds a test's context only for a test it runs; nothing reads this one's.
        context: undefined as unknown as RunnerTestCase["context"],
        result: { state: "fail", errors: file.result.errors ?? [] }
      }
      file.tasks.push(loading)
    }
  }
}
