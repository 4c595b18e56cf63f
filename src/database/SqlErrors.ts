import type { SqlError } from "@effect/sql/SqlError"

/** PostgreSQL's SQLSTATEs the adapters turn into domain errors; PGlite reports the same codes. */
const sqlState = (error: SqlError): unknown =>
  typeof error.cause === "object" && error.cause !== null && "code" in error.cause ? error.cause.code : undefined

export const isUniqueViolation = (error: SqlError): boolean => sqlState(error) === "23505"

export const isForeignKeyViolation = (error: SqlError): boolean => sqlState(error) === "23503"
