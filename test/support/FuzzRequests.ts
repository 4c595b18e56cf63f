/**
 * fast-check arbitraries for hostile requests to /graphql: the real schema's operations mutated token by
 * token (deleted, doubled, inserted, swapped), nested deep, random GraphQL-ish text, variables of every
 * JSON shape (huge numbers, unicode, nulls), bodies whose fields have the wrong types or that are not
 * JSON at all, and random methods, content types, Accept and Authorization headers.
 */
import fc from "fast-check"

/** Documents a client of this schema sends: the seeds the mutations start from. */
export const operations: ReadonlyArray<string> = [
  "{ me { accessKey email name createdAt role { code name } permissions { resource action isConditional scope } } }",
  "query Users($first: Int, $after: String) { users(first: $first, after: $after) { totalCount edges { cursor node { accessKey role { code } } } pageInfo { hasNextPage endCursor } } }",
  "query ($last: Int, $before: String) { users(last: $last, before: $before) { nodes { accessKey effectivePermissions { resource action scope } } } }",
  "query Roles($name: String) { roles(name: $name, first: 5) { totalCount nodes { code name createdAt permissions { resource action isConditional scope } } } }",
  "query ($r: String, $a: PermissionActionEnum) { permissions(resource: $r, action: $a, last: 3) { nodes { resource action isConditional } pageInfo { hasPreviousPage startCursor } } }",
  "query One($k: String!, $c: String!) { user(accessKey: $k) { accessKey } role(code: $c) { code name } }",
  "mutation SignIn($command: Credentials!) { authenticate(command: $command) { accessKey token { value authType expiresAt } } }",
  "mutation ($command: CreateRole!) { createRole(command: $command) { status message } }",
  "mutation ($command: CreateUser!) { createUser(command: $command) { status message } }",
  "mutation ($command: SendEmailReset!) { resetPassword(command: $command) { status message } }",
  "mutation ($command: AttachRolePermissions!) { attachRolePermissions(command: $command) { status message } }",
  "query A { a: me { accessKey } } query B { b: users(first: 1) { totalCount } } fragment F on User { accessKey }",
  "{ __typename ... on Query { me { ...U } } } fragment U on User { accessKey role { ...R } } fragment R on UserRole { code }",
  "{ __schema { queryType { name } types { name kind fields { name } } } }"
]

/** Variables the operations above name, with values of the right shape; the mutations break them. */
const variableNames = ["first", "after", "last", "before", "name", "r", "a", "k", "c", "command"]

/** Lexes just well enough to mutate: names, numbers, strings, spreads and punctuators. */
const tokens = (document: string) => document.match(/"(?:[^"\\]|\\.)*"|\.\.\.|[$!():=@[\]{}|&,]|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|[_A-Za-z][_0-9A-Za-z]*/g) ?? []

const hostileToken = fc.oneof(
  fc.constantFrom(
    "{", "}", "(", ")", ":", "$", "...", "@include(if: true)", "@skip(if: $x)", "@deprecated", "[", "]", "!", "=", "|", "&",
    "query", "mutation", "subscription", "fragment", "on", "__typename", "__schema", "null", "true", "false", "FORBIDDEN",
    "99999999999999999999999", "1e309", "-0", "0x1F", "NaN", "\"\\u0000\"", "\"\\uD800\"", "\"\"\"block\"\"\"", "\"🎉\"", "\"\\\"",
    "#comment\n", "\u00a0", "\u2028", "\ufeff", "{".repeat(300), "}".repeat(300), "users(first: 100000000000) { totalCount }"
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer().map(String),
  fc.double().map(String)
)

type Edit =
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "duplicate"; readonly at: number }
  | { readonly op: "insert"; readonly at: number; readonly token: string }
  | { readonly op: "swap"; readonly at: number; readonly with: number }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), token: hostileToken }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() })
)

const applyEdit = (list: Array<string>, change: Edit) => {
  if (list.length === 0) return change.op === "insert" ? [change.token] : list
  const at = change.at % list.length
  const next = [...list]
  switch (change.op) {
    case "delete":
      next.splice(at, 1)
      break
    case "duplicate":
      next.splice(at, 0, next[at]!)
      break
    case "insert":
      next.splice(at, 0, change.token)
      break
    case "swap": {
      const other = change.with % list.length
      ;[next[at], next[other]] = [next[other]!, next[at]!]
    }
  }
  return next
}

/** A real operation with 1–6 token edits. */
const mutatedOperation = fc.tuple(fc.constantFrom(...operations), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([document, edits]) => edits.reduce(applyEdit, tokens(document)).join(" "))

/** Selections nested far past the depth limit, or braces past the token limit. */
const deepDocument = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.constantFrom("me { role { ", "a: __typename b { ", "... on Query { ", "{"))
  .map(([depth, open]) => `{ ${open.repeat(depth)} __typename ${"} ".repeat(depth * (open.split("{").length - 1))}}`)

const graphqlish = fc.string({ unit: fc.constantFrom(..."{}()[]:$!@.=| \n\"#,_abcdefqrsuymnot0123456789".split("")), maxLength: 200 })

export const document: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutatedOperation, weight: 6 },
  { arbitrary: fc.constantFrom(...operations), weight: 4 },
  { arbitrary: deepDocument, weight: 1 },
  { arbitrary: graphqlish, weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 80 }), weight: 1 }
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.1, "\u0000", "\ud800", "🎉".repeat(50), "", "admin", "*"),
  fc.constant(null),
  fc.record({ accessKey: fc.oneof(fc.string(), fc.constant(null), fc.integer()), password: fc.oneof(fc.string(), fc.jsonValue()) }),
  fc.record({ code: fc.string({ maxLength: 20 }), name: fc.string({ maxLength: 20 }), permissions: fc.array(fc.record({ resource: fc.string(), action: fc.constantFrom("GET", "LIST", "CREATE", "X"), isConditional: fc.boolean(), scope: fc.option(fc.array(fc.string())) }), { maxLength: 3 }) }),
  fc.integer({ min: -5, max: 200 }),
  fc.string({ maxLength: 60 })
)

export const variables: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...variableNames), hostileValue, { maxKeys: 4 }), weight: 5 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom(undefined, null), weight: 1 }
)

/** A JSON value in the wrong place: the type a field should not have, or the one it should. */
const anyJson = fc.jsonValue({ maxDepth: 3 })

export interface FuzzRequest {
  readonly method: string
  readonly contentType: string | undefined
  readonly accept: string | undefined
  readonly authorization: "admin" | string | undefined
  /** A client's own x-request-id: well-formed (kept) or not (replaced). */
  readonly requestId: string | undefined
  /** The request's parameters: sent as the JSON body on POST, as the query string on GET. */
  readonly params: Readonly<Record<string, unknown>>
  /** A body that replaces `params` on POST: not JSON, or JSON of the wrong shape. */
  readonly rawBody: string | undefined
}

const params = fc.record({
  query: fc.oneof({ arbitrary: document, weight: 8 }, { arbitrary: anyJson, weight: 1 }),
  variables,
  operationName: fc.oneof(fc.constant(undefined), fc.constantFrom("Users", "Roles", "One", "SignIn", "A", "B", "Nope"), anyJson),
  extensions: fc.oneof(fc.constant(undefined), fc.constant({ persistedQuery: { version: 1, sha256Hash: "abc" } }), anyJson)
}, { requiredKeys: [] })

const rawBody = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.string({ unit: "binary", maxLength: 100 }),
  anyJson.map((value) => JSON.stringify(value)),
  params.map((value) => JSON.stringify(value)).chain((json) => fc.nat({ max: json.length }).map((cut) => json.slice(0, cut))),
  fc.constant("[{\"query\":\"{ __typename }\"}]")
)

const mediaTypes = ["application/json", "application/graphql-response+json", "*/*", "application/*", "text/plain", "text/html", "application/graphql"]

export const request: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof({ arbitrary: fc.constantFrom("POST", "GET"), weight: 8 }, { arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), weight: 1 }),
  contentType: fc.oneof(
    { arbitrary: fc.constant("application/json"), weight: 6 },
    { arbitrary: fc.constantFrom("application/json; charset=utf-8", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 }
  ),
  accept: fc.oneof(
    { arbitrary: fc.constantFrom(undefined, "application/json", "application/graphql-response+json"), weight: 12 },
    { arbitrary: fc.array(fc.tuple(fc.constantFrom(...mediaTypes), fc.option(fc.double({ min: 0, max: 1, noNaN: true }))), { minLength: 1, maxLength: 3 })
      .map((ranges) => ranges.map(([type, q]) => q === null ? type : `${type};q=${q.toFixed(2)}`).join(", ")), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 }
  ),
  authorization: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constant("admin" as const), weight: 4 },
    { arbitrary: fc.constantFrom("Bearer ", "Bearer a.b.c", "Basic YWRtaW46YWRtaW4=", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."), weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }).map((text) => `Bearer ${text}`), weight: 1 }
  ),
  requestId: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/), weight: 1 },
    { arbitrary: fc.string({ maxLength: 140 }), weight: 1 }
  ),
  params,
  rawBody: fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: rawBody, weight: 1 })
})
