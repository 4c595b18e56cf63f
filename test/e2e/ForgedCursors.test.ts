/**
 * Forged cursors on every connection field of the schema, over HTTP, on PGlite and on PostgreSQL:
 * key values no store can take (dates JavaScript or PostgreSQL cannot hold, enormous numbers,
 * U+0000), wrong types, base64 of garbage, envelopes nested otherwise than the server makes them.
 * Each is refused as BAD_USER_INPUT, never INTERNAL_SERVER_ERROR. The fields are read from the schema
 * itself, so a connection a module adds later fails here until it is listed.
 */
import { describe, expect, layer, type Vitest } from "@effect/vitest"
import { Duration, Effect, Either, Encoding, Layer, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import * as PostgresTestServer from "../support/PostgresTestServer.js"
import { randomKey } from "../support/RandomRefs.js"
import * as TestDatabases from "../support/TestDatabases.js"
import { adminToken, codes, graphql, type TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

/** A key as JSON text: forged values need text JSON.stringify cannot write (1e400). */
type KeyJson = string

/** One part of a list's key: values a row could have (the first is the usual one), and values none could, as JSON text. */
interface Part {
  readonly valid: readonly [KeyJson, ...Array<KeyJson>]
  readonly hostile: ReadonlyArray<KeyJson>
}

/** A key: one part, or a struct of them. */
type Key = Part | Readonly<Record<string, Part>>

interface ConnectionField {
  /** The name the server's cursors carry for this list. */
  readonly list: string
  readonly key: Key
  /** The field read with `$after` and `$before`, aliased `page`, needing `$slug` where it hangs off an organisation. */
  readonly query: string
}

const at = JSON.stringify("2024-05-01T10:00:00.000Z")

/** Values no part of any key may hold, as JSON text. */
const neverValid: ReadonlyArray<KeyJson> = [
  JSON.stringify("a\u0000b"), // text PostgreSQL cannot hold
  JSON.stringify("\u0000"),
  "1e400", // Infinity once parsed
  "-1e400",
  "18446744073709551616",
  "1.5",
  "null",
  "[]",
  "{}",
  `[${at}]`,
  `{"value":${at}}`,
  `${"[".repeat(10_000)}${"]".repeat(10_000)}`
]

const timestamp: Part = {
  // The first and last instants a cursor may name.
  valid: [at, JSON.stringify("0001-01-01T00:00:00.000Z"), JSON.stringify("9999-12-31T23:59:59.999Z")],
  hostile: [
    ...neverValid,
    "true",
    "1714557600000",
    JSON.stringify("+275761-01-01T00:00:00.000Z"), // after JavaScript's last date
    JSON.stringify("-271822-01-01T00:00:00.000Z"), // before JavaScript's first
    JSON.stringify("-010000-01-01T00:00:00.000Z"), // JavaScript's, before PostgreSQL's first (4713 BC)
    JSON.stringify("+100000-01-01T00:00:00.000Z"), // a year ISO 8601 writes with a sign
    JSON.stringify("0000-12-31T23:59:59.999Z") // year 0, which PostgreSQL does not have
  ]
}
const text = (valid: string): Part => ({ valid: [JSON.stringify(valid), JSON.stringify("")], hostile: [...neverValid, "true", "42"] })
const uuid: Part = { valid: [JSON.stringify(randomUUID())], hostile: [...text("").hostile, JSON.stringify("not-a-uuid")] }
const boolean: Part = { valid: ["false", "true"], hostile: [...neverValid, JSON.stringify("false"), "0"] }

const isPart = (key: Key): key is Part => Array.isArray(key.valid)

/** The key with each part replaced by each of `values(part)` in turn, the other parts their usual value. */
const keysWith = (key: Key, values: (part: Part) => ReadonlyArray<KeyJson>): ReadonlyArray<KeyJson> =>
  isPart(key) ? values(key) : Object.entries(key).flatMap(([replaced, part]) =>
    values(part).map((value) =>
      `{${Object.entries(key).map(([name, other]) => `${JSON.stringify(name)}:${name === replaced ? value : other.valid[0]}`).join(",")}}`
    )
  )

const page = "edges { cursor } pageInfo { hasNextPage }"
const rootQuery = (field: string) => `query ($after: String, $before: String) { page: ${field}(first: 5, after: $after, before: $before) { ${page} } }`

/** Every connection field of the schema, by `Type.field`. */
const connectionFields: Readonly<Record<string, ConnectionField>> = {
  "Query.users": { list: "users", key: { createdAt: timestamp, id: uuid }, query: rootQuery("users") },
  "Query.roles": { list: "roles", key: text("admin"), query: rootQuery("roles") },
  "Query.permissions": {
    list: "permissions",
    key: { resource: text("user"), action: { valid: [JSON.stringify("GET")], hostile: [...text("").hostile, JSON.stringify("PUT")] }, isConditional: boolean },
    query: rootQuery("permissions")
  },
  "Query.organisations": { list: "organisations", key: text("acme"), query: rootQuery("organisations") },
  "Organisation.members": {
    list: "members",
    key: { joinedAt: timestamp, userId: uuid },
    query: `query ($slug: String!, $after: String, $before: String) {
      organisation(slug: $slug) { page: members(first: 5, after: $after, before: $before) { ${page} } } }`
  }
}

const forge = (json: string) => Encoding.encodeBase64Url(json)

/** Cursors naming `list` in an envelope the server never makes: nested, too long, too short, an object. */
const brokenEnvelopes = (list: string): ReadonlyArray<string> => {
  const name = JSON.stringify(list)
  return [
    forge(`[[${name},${at}]]`),
    forge(`[${name},${at},${at}]`),
    forge(`[${name}]`),
    forge(`{"0":${name},"1":${at}}`),
    forge(`[[${name}],${at}]`),
    forge(`[${"[".repeat(10_000)}${name}${"]".repeat(10_000)},${at}]`),
    forge(`${"[".repeat(10_000)}${"]".repeat(10_000)}`)
  ]
}

/** Each forged cursor with what it says, for the failure message. */
const forgedCursors = (field: ConnectionField): ReadonlyArray<{ readonly says: string; readonly cursor: string }> => [
  { says: "not base64url", cursor: "not a cursor!" },
  { says: "base64url of bytes that are not UTF-8", cursor: Encoding.encodeBase64Url(new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0x7b, 0x5b, 0x22, 0xc3])) },
  { says: "base64url of 600 bytes of garbage", cursor: Encoding.encodeBase64Url(new Uint8Array(600).map((_, index) => (index * 37) % 256)) },
  ...[...brokenEnvelopes(field.list), ...keysWith(field.key, (part) => part.hostile).map((key) => forge(`[${JSON.stringify(field.list)},${key}]`))]
    .map((cursor) => ({ says: Encoding.decodeBase64UrlString(cursor).pipe(Either.getOrThrow).slice(0, 90), cursor }))
]

/** The connection fields of the schema as `Type.field`: fields of a `…Connection` type taking `after`. */
const schemaConnectionFields = (token: string) =>
  Effect.map(
    graphql("{ __schema { types { name fields { name args { name } type { name ofType { name } } } } } }", {}, token),
    (response) => {
      expect(response.errors).toBeUndefined()
      // any: the introspection answer, read field by field.
      return response.data!["__schema"].types.flatMap((type: any) =>
        (type.fields ?? [])
          .filter((field: any) => /Connection$/.test(field.type.name ?? field.type.ofType?.name ?? "") && field.args.some((arg: any) => arg.name === "after"))
          .map((field: any) => `${type.name}.${field.name}`)
      ).sort()
    }
  )

/** An organisation for the members field to hang off. */
const organisation = (token: string) =>
  Effect.gen(function*() {
    const slug = randomKey("forged")
    const created = yield* graphql("mutation ($command: CreateOrganisation!) { createOrganisation(command: $command) { slug } }", { command: { slug, name: "Forged" } }, token)
    expect(created.errors).toBeUndefined()
    return slug
  })

const scenarios = (it: Vitest.MethodsNonLive<TestServer, true>) => {
  it.effect("lists every connection field of the schema here", () =>
    Effect.gen(function*() {
      expect(yield* schemaConnectionFields(yield* adminToken)).toEqual(Object.keys(connectionFields).sort())
    }))

  it.effect("refuses every forged cursor on every connection field as BAD_USER_INPUT, in after and in before", () =>
    Effect.gen(function*() {
      const token = yield* adminToken
      const slug = yield* organisation(token)
      const answers: Array<string> = []
      for (const [name, field] of Object.entries(connectionFields)) {
        for (const { cursor, says } of forgedCursors(field)) {
          for (const argument of ["after", "before"]) {
            const response = yield* graphql(field.query, { slug, [argument]: cursor }, token)
            answers.push(`${name}(${argument}: ${says}): ${codes(response).join(", ")}`)
          }
        }
      }
      expect(answers.length).toBeGreaterThan(300)
      expect(answers.filter((answer) => !answer.endsWith("): BAD_USER_INPUT"))).toEqual([])
    }))

  it.effect("pages from a cursor the server did not make when its key is one a row could have, up to the first and last instants", () =>
    Effect.gen(function*() {
      const token = yield* adminToken
      const slug = yield* organisation(token)
      const answers: Array<string> = []
      for (const [name, field] of Object.entries(connectionFields)) {
        for (const key of keysWith(field.key, (part) => part.valid)) {
          for (const argument of ["after", "before"]) {
            const response = yield* graphql(field.query, { slug, [argument]: forge(`[${JSON.stringify(field.list)},${key}]`) }, token)
            answers.push(`${name}(${argument}: ${key}): ${codes(response).join(", ") || "answered"}`)
          }
        }
      }
      expect(answers.filter((answer) => !answer.endsWith("): answered"))).toEqual([])
    }))
}

describe("forged cursors on PGlite", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })(scenarios)
})

/** The e2e server on a fresh database of TEST_DATABASE_URL's server, dropped afterwards. */
const postgresServer = Layer.unwrapScoped(Effect.gen(function*() {
  const serverUrl = Option.getOrThrow(TestDatabases.postgresUrl)
  const name = `kingdom_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  yield* Effect.acquireRelease(
    TestDatabases.onServer(serverUrl, (sql) => sql`CREATE DATABASE ${sql(name)}`),
    () => Effect.orDie(TestDatabases.onServer(serverUrl, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`))
  )
  return PostgresTestServer.layer({ url: Redacted.value(TestDatabases.withDatabase(serverUrl, name)), poolMax: 2 })
}))

describe.skipIf(Option.isNone(TestDatabases.postgresUrl))(
  `forged cursors on PostgreSQL${Option.isNone(TestDatabases.postgresUrl) ? ` (skipped: ${TestDatabases.skipReason})` : ""}`,
  () => {
    layer(postgresServer, { excludeTestServices: true, timeout: Duration.minutes(2) })(scenarios)
  }
)
