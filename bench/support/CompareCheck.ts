/**
 * Before anything is timed: every server must answer every scenario with 200, no GraphQL errors, and
 * the same data as ours (a fast wrong server is worthless). Tokens differ by when they were issued, so
 * an answer's token is compared by whose it is (its `sub`), not by its text.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Option } from "effect"
import { decodeJwt } from "jose"
import type { LoadRequest } from "./CompareLoad.js"
import * as Scenarios from "./CompareScenarios.js"
import * as CompareSeed from "./CompareSeed.js"
import * as CompareSql from "./CompareSql.js"
import type * as Servers from "./CompareServers.js"

const fail = (message: string) => Effect.dieMessage(`compare benchmark: ${message}`)

export interface Answer {
  readonly status: number
  readonly text: string
}

export const send = (url: string, request: LoadRequest, body = request.bodies[0]!): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...request.headers }, body })
    return { status: response.status, text: await response.text() }
  })

/** Tokens replaced by their subject, keys sorted: two answers with the same data print the same. */
const canonical = (value: unknown, key?: string): unknown => {
  if (key === "token" && typeof value === "object" && value !== null && "value" in value) {
    const { value: token, ...rest } = value as { value: string }
    let subject = "not a JWT"
    try {
      subject = String(decodeJwt(token).sub)
    } catch {
      // Left as "not a JWT": the comparison then fails and shows it.
    }
    return canonical({ ...rest, subjectOfToken: subject })
  }
  if (Array.isArray(value)) return value.map((item) => canonical(item))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((name) => [name, canonical((value as Record<string, unknown>)[name], name)]))
  }
  return value
}

/** The answer's data in canonical form, or why it is not a good answer. */
export const dataOf = (answer: Answer): { readonly ok: true; readonly data: string } | { readonly ok: false; readonly reason: string } => {
  if (answer.status !== 200) return { ok: false, reason: `HTTP ${answer.status}: ${answer.text.slice(0, 300)}` }
  let parsed: { data?: Record<string, unknown> | null; errors?: unknown }
  try {
    parsed = JSON.parse(answer.text)
  } catch {
    return { ok: false, reason: `not JSON: ${answer.text.slice(0, 300)}` }
  }
  if (parsed.errors !== undefined) return { ok: false, reason: `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 300)}` }
  const fields = Object.values(parsed.data ?? {})
  if (fields.length === 0 || fields.some((field) => field === null)) return { ok: false, reason: `no data: ${answer.text.slice(0, 300)}` }
  return { ok: true, data: JSON.stringify(canonical(parsed.data)) }
}

/** Where two canonical answers first differ, with a little context. */
export const firstDifference = (expected: string, actual: string): string => {
  let i = 0
  while (i < expected.length && expected[i] === actual[i]) i++
  return `at character ${i}: expected …${expected.slice(Math.max(0, i - 80), i + 80)}… got …${actual.slice(Math.max(0, i - 80), i + 80)}…`
}

/** A token for `account`, issued by `server` itself. */
export const signIn = (server: Servers.Running, account: CompareSeed.Account) =>
  Effect.flatMap(send(server.url, Scenarios.request("authenticate", { ...CompareSeed.seeded, member: account }, { admin: "", member: "" })), (answer) => {
    const token = (JSON.parse(answer.text) as { data?: { authenticate?: { token?: { value?: string } } } }).data?.authenticate?.token?.value
    return token === undefined ? fail(`${server.name} refused to sign ${account.accessKey} in: ${answer.text.slice(0, 300)}`) : Effect.succeed(token)
  })

/**
 * Every server answers every scenario like ours, and (on PostgreSQL) the mutation writes its outbox
 * row; where statement logs are kept (`sqlLogs`), also what each server sent for each answer.
 */
export const verify = (servers: ReadonlyArray<Servers.Running>, tokensOf: (server: Servers.ServerName) => Scenarios.Tokens, sql: Option.Option<SqlClient.SqlClient>, sqlLogs: Option.Option<(server: Servers.ServerName) => string>) =>
  Effect.gen(function*() {
    const answers: Record<string, string> = {}
    const parity: Array<CompareSql.Parity> = []
    const statements: Record<string, ReadonlyArray<string>> = {}
    const outbox = Option.map(sql, (client) => client<{ readonly n: number }>`SELECT count(*)::int AS n FROM outbox`.pipe(Effect.map((rows) => rows[0]!.n), Effect.orDie))
    for (const scenario of Scenarios.scenarioNames) {
      let expected: { readonly data: string; readonly statements: ReadonlyArray<string> } | undefined
      // Ours first: its answer and its statements are what the others must match.
      for (const server of servers) {
        const log = Option.map(sqlLogs, (of) => of(server.name))
        const from = Option.match(log, { onNone: () => 0, onSome: CompareSql.mark })
        const before = Option.isSome(outbox) ? yield* outbox.value : 0
        const answer = yield* send(server.url, Scenarios.request(scenario, CompareSeed.seeded, tokensOf(server.name)))
        const sent = Option.match(log, { onNone: () => [], onSome: (file) => CompareSql.since(file, from) })
        const actual = dataOf(answer)
        if (!actual.ok) return yield* fail(`${server.name} answered ${scenario} wrongly: ${actual.reason}`)
        if (expected === undefined) {
          expected = { data: actual.data, statements: sent }
          answers[scenario] = answer.text
          if (Option.isSome(log)) statements[scenario] = sent
        } else {
          if (actual.data !== expected.data) return yield* fail(`${server.name} answered ${scenario} with other data than ours ${firstDifference(expected.data, actual.data)}`)
          if (Option.isSome(log)) parity.push(CompareSql.compare(scenario, server.name, expected.statements, sent))
        }
        if (scenario === "attach" && Option.isSome(outbox)) {
          const after = yield* outbox.value
          if (after !== before + 1) return yield* fail(`${server.name}'s ${scenario} wrote ${after - before} outbox rows, not 1`)
        }
      }
    }
    return { answers, parity, statements }
  })
