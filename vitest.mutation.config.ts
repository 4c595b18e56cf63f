import { readdirSync, readFileSync } from "node:fs"
import { defineConfig } from "vitest/config"
import { LoadFailureAsFailedTest } from "./test/support/LoadFailureAsFailedTest.js"

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the unit tests of pure code, those
 * that import nothing of the project's but domain and access modules. Tests that go through handlers
 * and in-memory layers take seconds to load; a mutant Stryker must check against every test (one in
 * code that runs as a module loads) would pay that hundreds of times. Pure code is proven by its own tests.
 */
const pure = /^(?:\.\.\/)+src\/(?:\w+\/domain|access)\//

const projectImports = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)].map((match) => match[1]!)

const testsOfPureCode = readdirSync("test/unit", { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".test.ts"))
  .map((file) => `test/unit/${file}`)
  .filter((file) => {
    const imports = projectImports(file)
    return imports.length > 0 && imports.every((specifier) => pure.test(specifier))
  })

export default defineConfig({
  test: {
    include: testsOfPureCode,
    reporters: ["default", new LoadFailureAsFailedTest()],
    // One module graph per run instead of one per file: effect loads once, not two dozen times, for
    // every mutant. Safe for pure code, and Stryker still reloads it for each run (a full run gave the
    // same outcome for every mutant as with isolation, in four fifths of the time).
    isolate: false,
    testTimeout: 30_000
  }
})
