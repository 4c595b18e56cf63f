// Mutation testing of the pure code (docs/mutation-testing.md): `npm run test:mutation`.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  // Every module's domain, and the access layer (Principal, grant matching, scopes, policy).
  mutate: ["src/**/domain/**/*.ts", "src/access/**/*.ts"],
  testRunner: "vitest",
  // The unit tests of pure code; `related` keeps the files that import a mutated module, and per-test
  // coverage runs against each mutant only the tests that reach it.
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  coverageAnalysis: "perTest",
  // Mutants in code that runs as a module loads (the input patterns, event and error tags, the
  // catalogue) need every test each and take most of the run; they are decisions too, so they stay.
  warnings: { slow: false },
  // Two cores, shared: more runners only contend.
  concurrency: 2,
  // Locally, a second run tests only the mutants whose code or tests changed (--force: all of them).
  // CI starts from a fresh clone, so it always runs everything.
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  thresholds: { high: 90, low: 85, break: 85 },
  reporters: ["clear-text", "progress", "json", "html"],
  // The score table and the surviving mutants, not every test's name.
  clearTextReporter: { reportTests: false },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  ignorePatterns: [".data", "bench/results", "reports", "coverage", "dist"]
}
