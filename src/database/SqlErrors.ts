import type { SqlError } from "@effect/sql/SqlError"

/** PostgreSQL's SQLSTATE for a unique-constraint violation; PGlite reports the same code. */
const uniqueViolation = "23505"

export const isUniqueViolation = (error: SqlError): boolean =>
  typeof error.cause === "object" && error.cause !== null && "code" in error.cause && error.cause.code === uniqueViolation
