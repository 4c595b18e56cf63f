/**
 * Which database the server runs on, in words fit for logs and health checks: never a password.
 */
import { Context } from "effect"

/** The connection pool right now (PGlite: its one session), for /metrics. */
export interface ConnectionUse {
  readonly max: number
  readonly open: number
  readonly busy: number
  /** Statements or transactions queued for a connection. */
  readonly waiting: number
}

export interface Info {
  readonly mode: "embedded" | "postgres"
  /** embedded: the absolute PGlite data path; postgres: host:port/database. */
  readonly description: string
  readonly connections: () => ConnectionUse
}

export class DatabaseInfo extends Context.Tag("database/DatabaseInfo")<DatabaseInfo, Info>() {}

/** host:port/database of a PostgreSQL URL; the user name and password are left out. */
export const describePostgresUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    const host = parsed.hostname || parsed.searchParams.get("host") || "localhost"
    return `${host}:${parsed.port || "5432"}${parsed.pathname}`
  } catch {
    // Echoing an unparseable URL could print its password.
    return "(unparseable DATABASE_URL)"
  }
}
