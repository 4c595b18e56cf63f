/**
 * The operator's view of events that wait: subscribers' deliveries, pending (due or retrying) and
 * parked (out of attempts, kept with their error), and the replay of parked ones. Replayed
 * deliveries are run by the process that runs their subscriber (the server, or `npm run worker`)
 * within EVENT_POLL_INTERVAL.
 */
import { Args, Command, Options } from "@effect/cli"
import { Clock, Console, Effect, Either, Option, Schema } from "effect"
import * as Connection from "../kernel/Connection.js"
import * as Cursor from "../kernel/Cursor.js"
import { Deliveries } from "../kernel/Deliveries.js"
import { type BacklogDelivery, type DeliveryKey, EventBacklog } from "../database/EventBacklog.js"
import * as Services from "./Services.js"
import { UsageError } from "./UsageError.js"

const maxLimit = 1000

const state = Options.choice("state", ["pending", "parked"]).pipe(
  Options.withDescription("Only deliveries in this state (default: both)"),
  Options.optional
)
const limit = Options.integer("limit").pipe(Options.withDescription(`Deliveries per page (1 to ${maxLimit})`), Options.withDefault(20))
const after = Options.text("after").pipe(Options.withDescription("Continue after this cursor (printed under a full page)"), Options.optional)

const cursor = Cursor.codec("deliveries", Schema.Struct({ seq: Schema.Number, subscriber: Schema.String }))
const keyOf = (delivery: BacklogDelivery): DeliveryKey => ({ seq: delivery.seq, subscriber: delivery.subscriber })

const attempts = (count: number) => `${count} ${count === 1 ? "attempt" : "attempts"}`

const describe = (delivery: BacklogDelivery) => {
  const { envelope } = delivery
  const head = `${envelope.occurredAt.toISOString()}  ${envelope.type}  ${envelope.id}  ${delivery.subscriber}`
  const detail = Option.match(delivery.parkedAt, {
    onNone: () => `pending, ${attempts(delivery.attempts)} so far, next at ${delivery.nextAttemptAt.toISOString()}`,
    onSome: (at) => `parked ${at.toISOString()} after ${attempts(delivery.attempts)}`
  })
  const error = Option.match(delivery.lastError, { onNone: () => "", onSome: (error) => `: ${error.split("\n")[0]}` })
  return `${head}\n    ${detail}${error}`
}

const list = Command.make("list", { state, limit, after }, (input) =>
  Effect.gen(function*() {
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > maxLimit) {
      return yield* new UsageError({ reason: `--limit must be from 1 to ${maxLimit}` })
    }
    const request = yield* Either.mapLeft(
      Connection.query({ first: input.limit, after: Option.getOrNull(input.after) }, cursor, { defaultSize: input.limit, max: maxLimit }),
      () => new UsageError({ reason: "--after is not a cursor this command printed" })
    )
    const window = yield* Effect.flatMap(EventBacklog, (backlog) => backlog.deliveries(input.state, request))
    const page = Connection.page(request, window, keyOf, cursor)
    if (page.nodes.length === 0) return yield* Console.log(Option.isSome(input.after) ? "No more deliveries." : "No pending or parked deliveries.")
    yield* Console.log(page.nodes.map(describe).join("\n"))
    if (page.pageInfo.hasNextPage && page.pageInfo.endCursor !== null) {
      const state = Option.match(input.state, { onNone: () => "", onSome: (state) => `--state ${state} ` })
      yield* Console.log(`More: kingdom outbox list ${state}--limit ${input.limit} --after ${page.pageInfo.endCursor}`)
    }
  }).pipe(Effect.provide(Services.database))).pipe(
    Command.withDescription("List subscribers' pending and parked deliveries, oldest event first, a page at a time")
  )

const all = Options.boolean("all").pipe(Options.withDescription("Replay every parked delivery"))
const subscriber = Args.text({ name: "subscriber" }).pipe(Args.withDescription("The subscriber (as outbox list names it)"), Args.optional)
const eventId = Args.text({ name: "event-id" }).pipe(Args.withDescription("The event's id"), Args.optional)

/** How many of `targets` were parked, and so are due again now. */
const replayAll = (targets: ReadonlyArray<{ readonly subscriber: string; readonly eventId: string }>) =>
  Effect.gen(function*() {
    const deliveries = yield* Deliveries
    const now = new Date(yield* Clock.currentTimeMillis)
    const done = yield* Effect.forEach(targets, (target) => deliveries.replay(target.subscriber, target.eventId, now))
    return done.filter(Boolean).length
  })

const replay = Command.make("replay", { all, subscriber, eventId }, (input) =>
  Effect.gen(function*() {
    const one = Option.all({ subscriber: input.subscriber, eventId: input.eventId })
    if (input.all === Option.isSome(input.subscriber) || (!input.all && Option.isNone(one))) {
      return yield* new UsageError({ reason: "give --all, or a subscriber and an event id" })
    }
    if (Option.isSome(one) && !Schema.is(Schema.UUID)(one.value.eventId)) {
      return yield* new UsageError({ reason: `${JSON.stringify(one.value.eventId)} is not an event id (a UUID)` })
    }
    const targets = Option.isSome(one)
      ? [one.value]
      : (yield* Effect.flatMap(Deliveries, (deliveries) => deliveries.parked)).map((d) => ({ subscriber: d.subscriber, eventId: d.envelope.id }))
    const count = yield* replayAll(targets)
    if (Option.isSome(one) && count === 0) {
      return yield* new UsageError({ reason: `no parked delivery of event ${one.value.eventId} to ${one.value.subscriber}: nothing replayed` })
    }
    yield* Console.log(`Replayed ${count} parked ${count === 1 ? "delivery" : "deliveries"}`)
  }).pipe(Effect.provide(Services.database))).pipe(
    Command.withDescription("Make parked deliveries due again (their subscriber's process runs them within EVENT_POLL_INTERVAL)")
  )

export const command = Command.make("outbox").pipe(
  Command.withDescription("Events waiting for subscribers: list them, replay parked ones"),
  Command.withSubcommands([list, replay])
)
