import { Command } from "@effect/cli"
import { Console, Effect, Option, Redacted } from "effect"
import * as AppConfig from "../Config.js"
import { DatabaseInfo, describePostgresUrl } from "../database/DatabaseInfo.js"
import * as Migrations from "../database/Migrations.js"
import * as Services from "./Services.js"

const postgres = (url: Redacted.Redacted) =>
  Effect.gen(function*() {
    yield* Migrations.migratePostgres(url)
    const status = yield* Migrations.statusPostgres(url)
    yield* Console.log(`PostgreSQL at ${describePostgresUrl(Redacted.value(url))}: ${status.applied.length} migrations applied, none pending`)
  })

/** The embedded database is migrated whenever it opens (Database.ts), so opening it is migrating it. */
const embedded = Effect.flatMap(DatabaseInfo, (info) => Console.log(`Embedded PGlite at ${info.description}: migrations applied, none pending`)).pipe(
  Effect.provide(Services.database)
)

export const command = Command.make("migrate", {}, () =>
  Effect.flatMap(AppConfig.database, (config) => Option.match(config.url, { onSome: postgres, onNone: () => embedded }))).pipe(
    Command.withDescription("Apply the dbmate migrations (db/migrations) to DATABASE_URL, or to the embedded database in DATA_DIR")
  )
