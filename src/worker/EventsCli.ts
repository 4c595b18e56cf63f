/**
 * `npm run events -- <command>`: the operator's view of parked events (handlers that ran out of
 * attempts), on the embedded default (with the server stopped: it holds the database) or on PostgreSQL.
 *
 *   parked                          list them, oldest first, with their errors
 *   replay <subscriber> <event-id>  make one due again (its process runs it within a poll interval)
 *   replay --all                    make every parked event due again
 */
import { NodeRuntime } from "@effect/platform-node"
import { Clock, Console, Effect } from "effect"
import { parseArgs } from "node:util"
import * as Composition from "../Composition.js"
import * as AppConfig from "../Config.js"
import { Deliveries } from "../kernel/Deliveries.js"

const usage = "usage: npm run events -- parked | replay <subscriber> <event-id> | replay --all"

const list = Effect.gen(function*() {
  const parked = yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.parked)
  if (parked.length === 0) return yield* Console.log("No parked events.")
  for (const delivery of parked) {
    yield* Console.log(
      `${delivery.parkedAt.toISOString()}  ${delivery.subscriber}  ${delivery.envelope.type}  ${delivery.envelope.id}  ` +
        `after ${delivery.attempts} attempts\n    ${delivery.lastError.split("\n")[0]}`
    )
  }
})

const replay = (targets: ReadonlyArray<{ readonly subscriber: string; readonly eventId: string }>) =>
  Effect.gen(function*() {
    const deliveries = yield* Deliveries
    const now = new Date(yield* Clock.currentTimeMillis)
    for (const target of targets) {
      const replayed = yield* deliveries.replay(target.subscriber, target.eventId, now)
      yield* Console.log(`${replayed ? "replayed" : "not parked (nothing done)"}: ${target.subscriber} ${target.eventId}`)
    }
  })

const command = Effect.gen(function*() {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { all: { type: "boolean" } } })
  const [verb, subscriber, eventId] = positionals
  if (verb === "parked" && positionals.length === 1) return yield* list
  if (verb === "replay" && values.all === true && positionals.length === 1) {
    const parked = yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.parked)
    return yield* replay(parked.map((delivery) => ({ subscriber: delivery.subscriber, eventId: delivery.envelope.id })))
  }
  if (verb === "replay" && subscriber !== undefined && eventId !== undefined && positionals.length === 3) {
    return yield* replay([{ subscriber, eventId }])
  }
  return yield* Effect.fail(new Composition.ConfigurationError({ reason: usage }))
})

const program = Effect.flatMap(AppConfig.database, (database) =>
  command.pipe(Effect.provide(Composition.database(database, []))))

NodeRuntime.runMain(program)
