/**
 * The peers' database: node-postgres on PostgreSQL (a pool of the size our server uses), or, on the
 * embedded benchmark, a PGlite instance of this process's own over its own copy of the seeded data
 * directory (PGlite is one session in one process, so peers cannot share ours; every server starts
 * from an identical copy instead). Transactions send BEGIN/COMMIT as ours do.
 */
import { PGlite } from "@electric-sql/pglite"
import { createRequire } from "node:module"

/** The part of node-postgres used here; @effect/sql-pg brings pg but no @types/pg, so require() and this shape stand in. */
interface PgClient {
  readonly query: (text: string, params?: Array<unknown>) => Promise<{ readonly rows: Array<never> }>
}
interface PgPool extends PgClient {
  readonly connect: () => Promise<PgClient & { readonly release: () => void }>
  readonly end: () => Promise<void>
}
const pg = createRequire(import.meta.url)("pg") as { readonly Pool: new (config: { connectionString: string; max: number }) => PgPool }

export type Query = <Row>(text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Row>>

export interface Store {
  readonly query: Query
  /** Runs `work` between BEGIN and COMMIT (ROLLBACK if it throws) on one connection. */
  readonly transaction: <A>(work: (query: Query) => Promise<A>) => Promise<A>
  readonly close: () => Promise<void>
}

const postgres = (url: string, poolMax: number): Store => {
  const pool = new pg.Pool({ connectionString: url, max: poolMax })
  const on = (client: PgClient): Query => async (text, params = []) => (await client.query(text, [...params])).rows
  return {
    query: on(pool),
    transaction: async (work) => {
      const client = await pool.connect()
      try {
        await client.query("BEGIN")
        const result = await work(on(client))
        await client.query("COMMIT")
        return result
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    },
    close: () => pool.end()
  }
}

const embedded = async (dataDir: string): Promise<Store> => {
  const db = await PGlite.create({ dataDir })
  return {
    query: async (text, params = []) => (await db.query(text, [...params])).rows as never,
    // PGlite's transaction holds its one session for the whole work, as our PgliteClient's semaphore does.
    transaction: (work) => db.transaction((tx) => work(async (text, params = []) => (await tx.query(text, [...params])).rows as never)),
    close: () => db.close()
  }
}

/** From the peer process's environment: DATABASE_URL (and DATABASE_POOL_MAX), or PGLITE_DIR. */
export const fromEnvironment = async (): Promise<Store> => {
  const url = process.env["DATABASE_URL"]
  if (url !== undefined && url !== "") return postgres(url, Number(process.env["DATABASE_POOL_MAX"] ?? "10"))
  const dir = process.env["PGLITE_DIR"]
  if (dir === undefined || dir === "") throw new Error("peer server: set DATABASE_URL or PGLITE_DIR")
  return embedded(dir)
}
