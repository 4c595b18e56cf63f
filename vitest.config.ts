import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // PGlite boots a WASM Postgres per suite; give slow machines room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only add WASM start-up contention.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } }
  }
})
