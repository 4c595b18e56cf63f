import type { RunnerTestFile } from "vitest"
import { describe, expect, it } from "vitest"
import { LoadFailureAsFailedTest } from "../../support/LoadFailureAsFailedTest.js"

// Just the fields the reporter and Stryker's vitest runner read.
const file = (state: "pass" | "fail", tasks: ReadonlyArray<{ readonly name: string; readonly state: "pass" | "fail" }>) =>
  ({
    id: "f1",
    result: { state, errors: state === "fail" ? [{ message: "Cannot read properties of undefined" }] : [] },
    tasks: tasks.map(({ name, state }) => ({ type: "test", name, mode: "run", result: { state } }))
  }) as unknown as RunnerTestFile

describe("LoadFailureAsFailedTest (the mutation run's reporter)", () => {
  it("gives a file that failed without a failing test one failing test carrying the file's error", () => {
    const unloaded = file("fail", [])
    new LoadFailureAsFailedTest().onFinished([unloaded])
    expect(unloaded.tasks).toMatchObject([
      { type: "test", name: "(the test file loads)", file: unloaded, result: { state: "fail", errors: [{ message: "Cannot read properties of undefined" }] } }
    ])
  })

  it("leaves a file that loaded as it is, passed or failed", () => {
    const passed = file("pass", [{ name: "a", state: "pass" }])
    const failed = file("fail", [{ name: "a", state: "pass" }, { name: "b", state: "fail" }])
    new LoadFailureAsFailedTest().onFinished([passed, failed])
    expect(passed.tasks.map((task) => task.name)).toEqual(["a"])
    expect(failed.tasks.map((task) => task.name)).toEqual(["a", "b"])
  })
})
