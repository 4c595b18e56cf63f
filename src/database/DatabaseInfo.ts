/**
 * Which database the server runs on, in words fit for logs and health checks: never a password.
 */
import { Context } from "effect"

export interface Info {
  readonly mode: "embedded" | "postgres"
  /** embedded: the absolute PGlite data path; postgres: host:port/database. */
  readonly description: string
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
