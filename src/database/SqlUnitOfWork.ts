import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Layer } from "effect"
import { UnitOfWork } from "../kernel/UnitOfWork.js"

/**
 * The unit of work as a database transaction; nested units become savepoints. Failing to begin or
 * commit is an infrastructure failure, so it dies (logged, INTERNAL_SERVER_ERROR) rather than widen
 * every command's error type; repositories already turn the failures callers handle into typed errors.
 */
export const layer: Layer.Layer<UnitOfWork, never, SqlClient.SqlClient> = Layer.effect(
  UnitOfWork,
  Effect.map(SqlClient.SqlClient, (sql) =>
    UnitOfWork.of({
      transactional: (effect) =>
        // withTransaction adds SqlError (begin, commit) to the effect's errors; ports never expose one.
        sql.withTransaction(effect).pipe(Effect.catchIf((error): error is SqlError => error instanceof SqlError, Effect.die))
    }))
)
