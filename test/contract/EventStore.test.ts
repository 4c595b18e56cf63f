/**
 * The outbox, deliveries and inbox answer alike in memory, on PGlite and on PostgreSQL. One database
 * serves a whole suite, so each test makes its own store (its own local subscriptions) over it and
 * names its subscribers uniquely; counts shared by the whole database are compared before and after.
 */
import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Ref } from "effect"
import { randomUUID } from "node:crypto"
import * as DeliveriesPg from "../../src/database/DeliveriesPg.js"
import * as InboxPg from "../../src/database/InboxPg.js"
import * as OutboxPg from "../../src/database/OutboxPg.js"
import { Deliveries, type Delivery } from "../../src/kernel/Deliveries.js"
import { Envelope } from "../../src/kernel/Envelope.js"
import { Inbox } from "../../src/kernel/Inbox.js"
import * as EventStoreMemory from "../../src/kernel/memory/EventStoreMemory.js"
import { LocalSubscriptions, Outbox } from "../../src/kernel/Outbox.js"
import { randomKey } from "../support/RandomRefs.js"
import { backends } from "../support/TestDatabases.js"

type Subscriptions = Context.Tag.Service<LocalSubscriptions>
type Store = Outbox | Deliveries | Inbox

/** Makes an event store, for the subscriptions a test names, over the implementation's shared backend. */
class EventStores extends Context.Tag("test/EventStores")<EventStores, {
  readonly make: (local: Subscriptions) => Layer.Layer<Store>
}>() {}

const memory = Layer.succeed(EventStores, {
  make: (local) => EventStoreMemory.layer.pipe(Layer.provide(Layer.succeed(LocalSubscriptions, local)))
})

const sql = Layer.effect(EventStores, Effect.map(SqlClient.SqlClient, (client) => ({
  make: (local: Subscriptions) =>
    Layer.mergeAll(OutboxPg.layer, DeliveriesPg.layer, InboxPg.layer).pipe(
      Layer.provide(Layer.merge(Layer.succeed(SqlClient.SqlClient, client), Layer.succeed(LocalSubscriptions, local)))
    )
})))

const implementations = [
  { name: "memory", layer: (): Layer.Layer<EventStores, unknown> => memory, skip: undefined },
  ...backends.map((backend) => ({
    name: backend.name,
    layer: (): Layer.Layer<EventStores, unknown> => Layer.provide(sql, backend.layer()),
    skip: backend.skip
  }))
]

const withStore = <A, E>(local: Subscriptions, body: Effect.Effect<A, E, Store>) =>
  Effect.flatMap(EventStores, (stores) => Effect.provide(body, stores.make(local)))

/** A fixed clock: claims say what "now" is, so no test waits. Whole seconds after `t0`. */
const t0 = Date.parse("2030-01-01T00:00:00Z")
const at = (seconds: number) => new Date(t0 + seconds * 1000)

const event = (type: string, occurredAt: Date, n = 0) =>
  new Envelope({ id: randomUUID(), type, occurredAt, payload: { n, nested: { list: [1, "two"], flag: true } } })

/** Comparable and order-free: which subscriber got which event, and on which attempt. */
const summary = (claimed: ReadonlyArray<Delivery>) =>
  claimed.map((d) => `${d.subscriber} ${d.envelope.id} ${d.attempts}`).sort()

for (const implementation of implementations) {
  describe.skipIf(implementation.skip !== undefined)(
    `event store on ${implementation.name}${implementation.skip ? ` (skipped: ${implementation.skip})` : ""}`,
    () => {
      layer(implementation.layer())((it) => {
        it.effect("append stores the events and one delivery per local subscriber of each type, none for unhandled types", () => {
          const [a, b] = [randomKey("a"), randomKey("b")]
          return withStore([{ name: a, types: ["Created", "Changed"] }, { name: b, types: ["Created"] }], Effect.gen(function*() {
            const outbox = yield* Outbox
            const deliveries = yield* Deliveries
            const before = { events: yield* outbox.pendingCount, deliveries: yield* deliveries.pendingCount }
            const [created, changed, ignored] = [event("Created", at(0), 1), event("Changed", at(1), 2), event("Ignored", at(2), 3)]
            yield* outbox.append([created, changed, ignored])
            expect(yield* outbox.pendingCount).toBe(before.events + 3)
            expect(yield* deliveries.pendingCount).toBe(before.deliveries + 3)
            const claimed = yield* deliveries.claim([a, b], 10, at(60), at(120))
            expect(summary(claimed)).toEqual([`${a} ${created.id} 1`, `${a} ${changed.id} 1`, `${b} ${created.id} 1`].sort())
            // The envelope comes back as it went in: payload, date and all.
            expect(claimed.find((d) => d.subscriber === b)?.envelope).toEqual(created)
          }))
        })

        it.effect("claim: the named subscribers' due deliveries only, oldest due first, at most `limit`, attempts + 1", () => {
          const [a, b] = [randomKey("a"), randomKey("b")]
          return withStore([{ name: a, types: ["Created"] }, { name: b, types: ["Created"] }], Effect.gen(function*() {
            const outbox = yield* Outbox
            const deliveries = yield* Deliveries
            const [second, first, third, future] = [event("Created", at(2)), event("Created", at(0)), event("Created", at(4)), event("Created", at(1000))]
            yield* outbox.append([second, first])
            yield* outbox.append([third, future])
            // Leased past the last claim below, so that one sees only what was not claimed yet.
            const claimA = (limit: number) => Effect.map(deliveries.claim([a], limit, at(60), at(5000)), summary)
            expect(yield* claimA(1)).toEqual([`${a} ${first.id} 1`])
            expect(yield* claimA(1)).toEqual([`${a} ${second.id} 1`])
            expect(yield* claimA(10)).toEqual([`${a} ${third.id} 1`])
            expect(yield* claimA(10)).toEqual([])
            expect(yield* Effect.map(deliveries.claim([b], 2, at(60), at(5000)), summary)).toEqual(
              [`${b} ${first.id} 1`, `${b} ${second.id} 1`].sort()
            )
            expect(yield* Effect.map(deliveries.claim([b, a], 10, at(1000), at(1060)), summary)).toEqual(
              [`${a} ${future.id} 1`, `${b} ${third.id} 1`, `${b} ${future.id} 1`].sort()
            )
          }))
        })

        it.effect("a claim leases: none before leaseUntil, the same delivery again from then on, attempts + 1", () => {
          const s = randomKey("s")
          return withStore([{ name: s, types: ["Created"] }], Effect.gen(function*() {
            const deliveries = yield* Deliveries
            const created = event("Created", at(0))
            yield* Effect.flatMap(Outbox, (outbox) => outbox.append([created]))
            expect(summary(yield* deliveries.claim([s], 10, at(60), at(120)))).toEqual([`${s} ${created.id} 1`])
            expect(yield* deliveries.claim([s], 10, at(119), at(179))).toEqual([])
            const again = yield* deliveries.claim([s], 10, at(120), at(180))
            expect(summary(again)).toEqual([`${s} ${created.id} 2`])
            expect(again[0]?.envelope).toEqual(created)
          }))
        })

        it.effect("complete removes a delivery; retryAt postpones one", () => {
          const s = randomKey("s")
          return withStore([{ name: s, types: ["Created"] }], Effect.gen(function*() {
            const deliveries = yield* Deliveries
            const before = yield* deliveries.pendingCount
            const [done, later] = [event("Created", at(0)), event("Created", at(1))]
            yield* Effect.flatMap(Outbox, (outbox) => outbox.append([done, later]))
            const claimed = yield* deliveries.claim([s], 10, at(60), at(61))
            const byId = (id: string) => claimed.find((d) => d.envelope.id === id)!
            yield* deliveries.complete(byId(done.id))
            yield* deliveries.retryAt(byId(later.id), "boom", at(600))
            expect(yield* deliveries.pendingCount).toBe(before + 1)
            expect(yield* deliveries.claim([s], 10, at(599), at(659))).toEqual([])
            expect(summary(yield* deliveries.claim([s], 10, at(600), at(660)))).toEqual([`${s} ${later.id} 2`])
            expect(summary(yield* deliveries.claim([s], 10, at(10_000), at(10_060)))).toEqual([`${s} ${later.id} 3`])
          }))
        })

        it.effect("park keeps a delivery with its error, listed and never claimed; replay makes it due with attempts reset", () => {
          const [s, worker] = [randomKey("s"), randomKey("worker")]
          return withStore([{ name: s, types: ["Created"] }], Effect.gen(function*() {
            const deliveries = yield* Deliveries
            const before = yield* deliveries.pendingCount
            const [failed, unsubscribed] = [event("Created", at(0)), event("Unsubscribed", at(1))]
            yield* Effect.flatMap(Outbox, (outbox) => outbox.append([failed, unsubscribed]))
            const [claimed] = yield* deliveries.claim([s], 10, at(60), at(120))
            yield* deliveries.park(claimed!, "broken: for good", at(70))
            // A worker gives up on an event no local subscriber has: parking makes its delivery.
            yield* deliveries.park({ subscriber: worker, envelope: unsubscribed, attempts: 5 }, "gave up", at(71))
            const parked = (yield* deliveries.parked).filter((p) => p.subscriber === s || p.subscriber === worker)
            expect(parked).toEqual([
              { subscriber: s, envelope: failed, attempts: 1, lastError: "broken: for good", parkedAt: at(70) },
              { subscriber: worker, envelope: unsubscribed, attempts: 5, lastError: "gave up", parkedAt: at(71) }
            ])
            // Parked ones are still pending work (for an operator), but never claimed.
            expect(yield* deliveries.pendingCount).toBe(before + 2)
            expect(yield* deliveries.claim([s, worker], 10, at(100_000), at(100_060))).toEqual([])

            expect(yield* deliveries.replay(s, failed.id, at(80))).toBe(true)
            expect(yield* deliveries.replay(s, failed.id, at(80))).toBe(false)
            expect(yield* deliveries.replay(s, randomUUID(), at(80))).toBe(false)
            expect((yield* deliveries.parked).filter((p) => p.subscriber === s)).toEqual([])
            expect(yield* deliveries.claim([s], 10, at(79), at(139))).toEqual([])
            expect(summary(yield* deliveries.claim([s], 10, at(80), at(140)))).toEqual([`${s} ${failed.id} 1`])
            expect(yield* deliveries.replay(worker, unsubscribed.id, at(90))).toBe(true)
            expect(summary(yield* deliveries.claim([worker], 10, at(90), at(150)))).toEqual([`${worker} ${unsubscribed.id} 1`])
          }))
        })

        it.effect("publishPending publishes in append order, stops at the first refusal and reports it; pendingCount counts", () =>
          withStore([], Effect.gen(function*() {
            const outbox = yield* Outbox
            // Other tests' events share the outbox: publish them first.
            yield* outbox.publishPending(1_000_000, () => Effect.void)
            expect(yield* outbox.pendingCount).toBe(0)
            // Appended in an order other than their dates: the outbox keeps append order.
            const [e1, e2, e3, e4] = [event("E", at(30), 1), event("E", at(10), 2), event("E", at(20), 3), event("E", at(0), 4)]
            yield* outbox.append([e1])
            yield* outbox.append([e2, e3])
            yield* outbox.append([e4])
            expect(yield* outbox.pendingCount).toBe(4)
            const seen = yield* Ref.make<ReadonlyArray<string>>([])
            const publish = (refuse?: Envelope) => (envelope: Envelope) =>
              Effect.zipRight(
                Ref.update(seen, (ids) => [...ids, envelope.id]),
                envelope.id === refuse?.id ? Effect.fail(`refused ${envelope.id}`) : Effect.void
              )
            expect(yield* outbox.publishPending(1, publish())).toBe(1)
            expect(yield* Effect.flip(outbox.publishPending(10, publish(e3)))).toBe(`refused ${e3.id}`)
            expect(yield* Ref.get(seen)).toEqual([e1.id, e2.id, e3.id])
            expect(yield* outbox.pendingCount).toBe(2)
            expect(yield* outbox.publishPending(10, publish())).toBe(2)
            expect(yield* Ref.get(seen)).toEqual([e1.id, e2.id, e3.id, e3.id, e4.id])
            expect(yield* outbox.pendingCount).toBe(0)
            expect(yield* outbox.publishPending(10, publish())).toBe(0)
          })))

        it.effect("Inbox.once runs the effect once per (subscriber, event); a failure leaves it unrecorded", () =>
          withStore([], Effect.gen(function*() {
            const inbox = yield* Inbox
            const [s, other, id, failing] = [randomKey("s"), randomKey("other"), randomUUID(), randomUUID()]
            const runs = yield* Ref.make(0)
            const run = Ref.updateAndGet(runs, (n) => n + 1)
            expect(yield* inbox.once(s, id, run)).toBe(true)
            expect(yield* inbox.once(s, id, run)).toBe(false)
            expect(yield* inbox.once(other, id, run)).toBe(true)
            expect(yield* Ref.get(runs)).toBe(2)
            expect(yield* Effect.flip(inbox.once(s, failing, Effect.zipRight(run, Effect.fail("refused"))))).toBe("refused")
            expect(yield* inbox.once(s, failing, run)).toBe(true)
            expect(yield* inbox.once(s, failing, run)).toBe(false)
            expect(yield* Ref.get(runs)).toBe(4)
          })))

        it.effect("two claims at once never hand out the same delivery", () =>
          Effect.forEach([1, 2, 3, 4, 5], () => {
            const s = randomKey("s")
            return withStore([{ name: s, types: ["Created"] }], Effect.gen(function*() {
              const deliveries = yield* Deliveries
              const events = Array.from({ length: 20 }, (_, i) => event("Created", at(i)))
              yield* Effect.flatMap(Outbox, (outbox) => outbox.append(events))
              const claim = deliveries.claim([s], 15, at(60), at(120))
              const [first, second] = yield* Effect.all([claim, claim], { concurrency: 2 })
              const ids = [...first!, ...second!].map((d) => d.envelope.id)
              expect(new Set(ids).size).toBe(ids.length)
              expect(ids.length).toBeGreaterThanOrEqual(15)
              expect(ids.every((id) => events.some((e) => e.id === id))).toBe(true)
            }))
          }, { discard: true }))
      })
    }
  )
}
