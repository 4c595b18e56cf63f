/**
 * Gauges read when /metrics is scraped, not kept up to date on every change: how busy the database's
 * connections are, and how far behind the events are (the outbox's relay to NATS, or the subscribers
 * running here from the deliveries table).
 */
import { Clock, Effect, Metric, Option } from "effect"
import { DatabaseInfo } from "../database/DatabaseInfo.js"
import { Deliveries } from "../kernel/Deliveries.js"
import { Outbox } from "../kernel/Outbox.js"

const connections = Metric.gauge("kingdom_db_connections", {
  description: "Database connections by state (busy, idle, waiting: statements queued for one); PGlite has one session"
})
const connectionsMax = Metric.gauge("kingdom_db_connections_max", { description: "Database connections the pool may open (DATABASE_POOL_MAX)" })
const outboxPending = Metric.gauge("kingdom_outbox_pending", { description: "Events not yet relayed to NATS" })
const outboxLag = Metric.gauge("kingdom_outbox_lag_seconds", { description: "Age of the oldest event not yet relayed to NATS (0: none)" })
const deliveriesWaiting = Metric.gauge("kingdom_event_deliveries_waiting", { description: "Event deliveries to this process's subscribers not yet done" })
const deliveriesParked = Metric.gauge("kingdom_event_deliveries_parked", { description: "Event deliveries parked after their last retry (see npx kingdom outbox list)" })
const deliveriesLag = Metric.gauge("kingdom_event_deliveries_lag_seconds", { description: "Age of the oldest event still waiting for a subscriber here (0: none)" })

const ageSeconds = (now: number, at: Option.Option<Date>) => Option.match(at, { onNone: () => 0, onSome: (date) => Math.max(0, (now - date.getTime()) / 1000) })

/**
 * Sets the gauges. `relay`: this process relays the outbox to NATS (otherwise its own subscribers
 * take the events from the deliveries table, and the outbox is never "published").
 */
export const sample = (relay: boolean) =>
  Effect.gen(function*() {
    const database = yield* DatabaseInfo
    const outbox = yield* Outbox
    const deliveries = yield* Deliveries
    return Effect.gen(function*() {
      const use = database.connections()
      yield* Metric.set(connectionsMax, use.max)
      yield* Metric.set(Metric.tagged(connections, "state", "busy"), use.busy)
      yield* Metric.set(Metric.tagged(connections, "state", "idle"), use.open - use.busy)
      yield* Metric.set(Metric.tagged(connections, "state", "waiting"), use.waiting)
      const now = yield* Clock.currentTimeMillis
      if (relay) {
        yield* Metric.set(outboxPending, yield* outbox.pendingCount)
        yield* Metric.set(outboxLag, ageSeconds(now, yield* outbox.oldestPendingAt))
      } else {
        const backlog = yield* deliveries.backlog
        yield* Metric.set(deliveriesWaiting, backlog.waiting)
        yield* Metric.set(deliveriesParked, backlog.parked)
        yield* Metric.set(deliveriesLag, ageSeconds(now, backlog.oldestAt))
      }
    })
  })
