import { Command } from "@effect/cli"
import { Clock, Console, Duration, Effect, Option } from "effect"
import { UserRepository } from "../auth/ports/UserRepository.js"
import * as AppConfig from "../Config.js"
import { DatabaseInfo } from "../database/DatabaseInfo.js"
import * as Migrations from "../database/Migrations.js"
import { Deliveries } from "../kernel/Deliveries.js"
import { Outbox } from "../kernel/Outbox.js"
import * as Services from "./Services.js"

const row = (label: string, value: string) => `${`${label}:`.padEnd(12)}${value}`

/** Whole seconds: an operator reads "3m 4s", not milliseconds. */
const age = (since: Date, now: number) => {
  const seconds = Math.max(0, Math.floor((now - since.getTime()) / 1000))
  return seconds === 0 ? "under a second" : Duration.format(Duration.seconds(seconds))
}

const oldest = (date: Option.Option<Date>, now: number, what: string) =>
  Option.match(date, { onNone: () => "", onSome: (at) => ` (${what} ${age(at, now)} ago)` })

/** PostgreSQL's pending migrations, before anything reads a schema they may not have made yet. */
const migrations = Effect.flatMap(AppConfig.database, (config) =>
  Option.match(config.url, {
    onNone: () => Effect.succeed({ line: "up to date (the embedded database is migrated whenever it opens)", current: true }),
    onSome: (url) =>
      Effect.map(Migrations.statusPostgres(url), ({ applied, pending }) => ({
        line: `${applied.length} applied, ${pending.length} pending${pending.length === 0 ? "" : `: ${pending.join(", ")} (run kingdom migrate)`}`,
        current: pending.length === 0
      }))
  }))

/** What the ports count for /metrics, in words. */
const counts = Effect.gen(function*() {
  const now = yield* Clock.currentTimeMillis
  const users = yield* Effect.flatMap(UserRepository, (repository) => repository.count({}))
  const outbox = yield* Outbox
  const unpublished = yield* outbox.pendingCount
  const deliveries = yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.backlog)
  return [
    row("users", String(users)),
    row("outbox", `${unpublished} events not yet published${oldest(yield* outbox.oldestPendingAt, now, "oldest")}; only a relay (NATS_URL) publishes them`),
    row("deliveries", `${deliveries.waiting} pending${oldest(deliveries.oldestAt, now, "oldest event")}, ${deliveries.parked} parked`)
  ]
})

export const command = Command.make("status", {}, () =>
  Effect.gen(function*() {
    const schema = yield* migrations
    const info = yield* DatabaseInfo
    const where = info.mode === "embedded" ? `embedded PGlite at ${info.description}` : `PostgreSQL at ${info.description}`
    const rest = schema.current ? yield* counts : [row("counts", "unavailable until the migrations are applied")]
    yield* Console.log([row("database", where), row("migrations", schema.line), ...rest].join("\n"))
  }).pipe(Effect.provide(Services.database))).pipe(
    Command.withDescription("Show the database, its migrations, the number of users and the event backlog")
  )
