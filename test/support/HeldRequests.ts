/**
 * A module only e2e tests serve (TestServer.make's `modules`), beside ProbeApi: `hold` announces that
 * it runs, with its caller known (it is @authenticated), optionally inside a transaction that has
 * written a row, and then never answers. A test in the same process awaits the announcement and then
 * does to the request what it is about (closes its connection, drains the server) at a known point.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Schema } from "effect"
import type { AuthServices } from "../../src/auth/graphql/Resolvers.js"
import type { ModuleApi } from "../../src/graphql/Context.js"
import { UnitOfWork } from "../../src/kernel/UnitOfWork.js"

const announcements = new Map<string, { readonly running: Promise<void>; readonly announce: () => void }>()

const announcement = (id: string) => {
  const found = announcements.get(id)
  if (found !== undefined) return found
  let announce!: () => void
  const running = new Promise<void>((resolve) => (announce = resolve))
  const made = { running, announce }
  announcements.set(id, made)
  return made
}

/** Completes once `hold(id)` runs (past its write, if asked for one). */
export const running = (id: string) => Effect.promise(() => announcement(id).running)

export const api: ModuleApi<AuthServices | SqlClient.SqlClient> = {
  name: "held",
  sdlFile: new URL("./held.graphql", import.meta.url),
  Query: {},
  Mutation: {
    hold: (args) =>
      Effect.gen(function*() {
        const { id, write } = yield* Schema.decodeUnknown(Schema.Struct({ id: Schema.String, write: Schema.Boolean }))(args)
        const held = Effect.zipRight(Effect.sync(() => announcement(id).announce()), Effect.never)
        if (!write) return yield* held
        const sql = yield* SqlClient.SqlClient
        const unitOfWork = yield* UnitOfWork
        // ProbeApi's table, made on first use there too.
        yield* sql`CREATE TABLE IF NOT EXISTS probe_writes (id text PRIMARY KEY)`
        return yield* unitOfWork.transactional(Effect.zipRight(sql`INSERT INTO probe_writes (id) VALUES (${id})`, held))
      })
  }
}
