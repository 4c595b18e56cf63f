import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Layer, Option, Schema } from "effect"
import { UserId } from "../../../auth/domain/Ids.js"
import * as Keyset from "../../../database/Keyset.js"
import { OrganisationId } from "../../domain/Ids.js"
import { type MembershipKey, MembershipRepository } from "../../ports/MembershipRepository.js"

const MembershipRow = Schema.Struct({
  organisationId: Schema.String.pipe(Schema.fromBrand(OrganisationId)),
  userId: Schema.String.pipe(Schema.fromBrand(UserId)),
  accessKey: Schema.String,
  joinedAt: Schema.DateFromSelf
})

export const layer: Layer.Layer<MembershipRepository, never, SqlClient.SqlClient> = Layer.effect(
  MembershipRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(MembershipRow))
    const memberships = (where: Fragment, rest: Fragment = sql``) =>
      sql`SELECT m.organisation_id, m.user_id, m.access_key, m.joined_at FROM organisation_members m WHERE ${where} ${rest}`.pipe(
        Effect.flatMap(decode),
        Effect.orDie
      )
    const list = Keyset.make(sql, {
      from: "organisation_members m",
      sortKey: { columns: ["m.joined_at", "m.user_id"], values: (key: MembershipKey) => [key.joinedAt, key.userId] },
      where: (organisationId: OrganisationId) => sql`m.organisation_id = ${organisationId}`
    }, memberships)

    return MembershipRepository.of({
      find: (organisationId, userId) =>
        Effect.map(memberships(sql`m.organisation_id = ${organisationId} AND m.user_id = ${userId}`), (found) => Option.fromNullable(found[0])),
      ofUser: (userId) => memberships(sql`m.user_id = ${userId}`, sql`ORDER BY m.organisation_id`),
      // The primary key referees a race: the second INSERT waits for the first, then inserts nothing.
      add: (membership) =>
        sql`INSERT INTO organisation_members ${sql.insert({ ...membership })} ON CONFLICT DO NOTHING RETURNING user_id`.pipe(
          Effect.map((inserted) => inserted.length > 0),
          Effect.orDie
        ),
      remove: (membership) =>
        sql`DELETE FROM organisation_members WHERE organisation_id = ${membership.organisationId} AND user_id = ${membership.userId}
          RETURNING user_id`.pipe(Effect.map((deleted) => deleted.length > 0), Effect.orDie),
      page: (query, organisationId) => Effect.orDie(list.page(query, organisationId)),
      count: (organisationId) => Effect.orDie(list.count(organisationId))
    })
  })
)
