/** What a result was measured on, recorded beside it: numbers from another machine are not comparable. */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import * as Os from "node:os"

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  readonly postgres: string
  readonly sharedBuffers: string
}

export const describe = (sql: SqlClient.SqlClient): Effect.Effect<Machine, unknown> =>
  Effect.gen(function*() {
    const [version] = yield* sql<{ readonly serverVersion: string }>`SHOW server_version`
    const [buffers] = yield* sql<{ readonly sharedBuffers: string }>`SHOW shared_buffers`
    return {
      cpu: Os.cpus()[0]?.model ?? "unknown",
      cores: Os.cpus().length,
      memoryGiB: Math.round(Os.totalmem() / 2 ** 30),
      os: `${Os.platform()} ${Os.release()} ${Os.arch()}`,
      node: process.version,
      postgres: version?.serverVersion ?? "unknown",
      sharedBuffers: buffers?.sharedBuffers ?? "unknown"
    }
  })

export const line = (machine: Machine): string =>
  `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ` +
  `PostgreSQL ${machine.postgres} (shared_buffers ${machine.sharedBuffers})`
