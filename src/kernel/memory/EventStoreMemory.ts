/**
 * The outbox, deliveries and inbox in memory, sharing one store as the SQL tables do, for unit tests
 * that drive handlers and subscribers without a database. Same contract as the SQL adapters.
 */
import { Context, Effect, Layer, Option } from "effect"
import { type Delivery, Deliveries, type ParkedDelivery } from "../Deliveries.js"
import type { Envelope } from "../Envelope.js"
import { Inbox } from "../Inbox.js"
import { LocalSubscriptions, Outbox } from "../Outbox.js"

interface Row {
  readonly subscriber: string
  readonly envelope: Envelope
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  parkedAt: Date | null
}

const keyOf = (subscriber: string, eventId: string) => `${subscriber} ${eventId}`

export const layer: Layer.Layer<Outbox | Deliveries | Inbox, never, LocalSubscriptions> = Layer.effectContext(
  Effect.gen(function*() {
    const subscriptions = yield* LocalSubscriptions
    const events: Array<{ readonly envelope: Envelope; published: boolean }> = []
    const rows = new Map<string, Row>()
    const handled = new Set<string>()
    const eventById = (id: string) => events.find((event) => event.envelope.id === id)?.envelope

    const outbox = Outbox.of({
      append: (envelopes) =>
        Effect.sync(() => {
          for (const envelope of envelopes) {
            events.push({ envelope, published: false })
            for (const subscription of subscriptions.filter((s) => s.types.includes(envelope.type))) {
              rows.set(keyOf(subscription.name, envelope.id), {
                subscriber: subscription.name,
                envelope,
                attempts: 0,
                nextAttemptAt: envelope.occurredAt.getTime(),
                lastError: null,
                parkedAt: null
              })
            }
          }
        }),
      publishPending: (limit, publish) =>
        Effect.gen(function*() {
          let published = 0
          for (const event of events.filter((e) => !e.published).slice(0, limit)) {
            yield* publish(event.envelope)
            event.published = true
            published++
          }
          return published
        }),
      pendingCount: Effect.sync(() => events.filter((e) => !e.published).length),
      oldestPendingAt: Effect.sync(() => Option.fromNullable(events.find((e) => !e.published)?.envelope.occurredAt))
    })

    const deliveries = Deliveries.of({
      claim: (subscribers, limit, now, leaseUntil) =>
        Effect.sync(() =>
          [...rows.values()]
            .filter((row) => row.parkedAt === null && row.nextAttemptAt <= now.getTime() && subscribers.includes(row.subscriber))
            .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
            .slice(0, limit)
            .map((row): Delivery => {
              row.attempts += 1
              row.nextAttemptAt = leaseUntil.getTime()
              return { subscriber: row.subscriber, envelope: row.envelope, attempts: row.attempts }
            })
        ),
      complete: (delivery) => Effect.sync(() => void rows.delete(keyOf(delivery.subscriber, delivery.envelope.id))),
      retryAt: (delivery, error, at) =>
        Effect.sync(() => {
          const row = rows.get(keyOf(delivery.subscriber, delivery.envelope.id))
          if (row !== undefined) Object.assign(row, { nextAttemptAt: at.getTime(), lastError: error })
        }),
      park: (delivery, error, at) =>
        Effect.sync(() => {
          const envelope = eventById(delivery.envelope.id) ?? delivery.envelope
          rows.set(keyOf(delivery.subscriber, envelope.id), {
            subscriber: delivery.subscriber,
            envelope,
            attempts: delivery.attempts,
            nextAttemptAt: at.getTime(),
            lastError: error,
            parkedAt: at
          })
        }),
      parked: Effect.sync(() =>
        [...rows.values()].flatMap((row): Array<ParkedDelivery> =>
          row.parkedAt === null
            ? []
            : [{ subscriber: row.subscriber, envelope: row.envelope, attempts: row.attempts, lastError: row.lastError ?? "", parkedAt: row.parkedAt }]
        )
      ),
      replay: (subscriber, eventId, now) =>
        Effect.sync(() => {
          const row = rows.get(keyOf(subscriber, eventId))
          if (row === undefined || row.parkedAt === null) return false
          Object.assign(row, { parkedAt: null, attempts: 0, nextAttemptAt: now.getTime() })
          return true
        }),
      pendingCount: Effect.sync(() => rows.size),
      backlog: Effect.sync(() => {
        const waiting = [...rows.values()].filter((row) => row.parkedAt === null)
        const oldest = waiting.reduce<Date | undefined>((min, row) => min === undefined || row.envelope.occurredAt < min ? row.envelope.occurredAt : min, undefined)
        return { waiting: waiting.length, parked: rows.size - waiting.length, oldestAt: Option.fromNullable(oldest) }
      })
    })

    const inbox = Inbox.of({
      once: (subscriber, eventId, effect) =>
        Effect.suspend(() => {
          const key = keyOf(subscriber, eventId)
          if (handled.has(key)) return Effect.succeed(false)
          return Effect.as(Effect.tap(effect, () => Effect.sync(() => handled.add(key))), true)
        })
    })

    return Context.make(Outbox, outbox).pipe(Context.add(Deliveries, deliveries), Context.add(Inbox, inbox))
  })
)
