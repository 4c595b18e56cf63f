/**
 * GraphQL over HTTP as the soak's clients speak it: Node's fetch (undici), whose global agent keeps
 * connections alive, so each virtual client mostly reuses one socket. Every exchange is timed from
 * the request to the parsed body and classified the way the lost-update check needs (SoakLedger.ts).
 */
import { performance } from "node:perf_hooks"

export interface Answer {
  /** Milliseconds from sending the request to having parsed the whole answer. */
  readonly ms: number
  // any: the benchmark reads the shapes its own documents ask for.
  readonly data: Record<string, any> | null
  /** `extensions.code` of each error; NETWORK, TIMEOUT or HTTP_<status> when there was no GraphQL answer. */
  readonly codes: ReadonlyArray<string>
  /** No errors. */
  readonly ok: boolean
  /**
   * Whether a failed write surely did not happen: a coded refusal (CONFLICT, FORBIDDEN, …) rolled its
   * transaction back. A lost connection, a timeout or INTERNAL_SERVER_ERROR leave it unknown.
   */
  readonly definite: boolean
}

const uncertainCodes = new Set(["NETWORK", "TIMEOUT", "INTERNAL_SERVER_ERROR", "NO_CODE"])

/** A request that takes longer than this counts as TIMEOUT (and its write as uncertain). */
const timeoutMs = 30_000

export const post = async (baseUrl: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Answer> => {
  const start = performance.now()
  const done = (data: Answer["data"], codes: ReadonlyArray<string>): Answer => ({
    ms: performance.now() - start,
    data,
    codes,
    ok: codes.length === 0,
    definite: !codes.some((code) => uncertainCodes.has(code) || code.startsWith("HTTP_"))
  })
  let response: Response
  let text: string
  try {
    response = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs)
    })
    text = await response.text()
  } catch (error) {
    return done(null, [error instanceof Error && error.name === "TimeoutError" ? "TIMEOUT" : "NETWORK"])
  }
  let body: { readonly data?: Answer["data"]; readonly errors?: ReadonlyArray<{ readonly extensions?: { readonly code?: unknown } }> }
  try {
    body = JSON.parse(text)
  } catch {
    return done(null, [`HTTP_${response.status}`])
  }
  const codes = (body.errors ?? []).map((error) => (typeof error.extensions?.code === "string" ? error.extensions.code : "NO_CODE"))
  if (codes.length === 0 && response.status !== 200) return done(body.data ?? null, [`HTTP_${response.status}`])
  return done(body.data ?? null, codes)
}

// The documents the clients send.

const grantFields = "resource action isConditional scope"

export const documents = {
  authenticate: `mutation ($command: Credentials!) { authenticate(command: $command) { token { value } accessKey } }`,
  users: `query { users(first: 50) { totalCount pageInfo { hasNextPage endCursor }
    nodes { accessKey name role { code } effectivePermissions { ${grantFields} } } } }`,
  user: `query ($accessKey: String!) { user(accessKey: $accessKey) { accessKey email name createdAt role { code name }
    permissions { ${grantFields} } effectivePermissions { ${grantFields} } } }`,
  roles: `query { roles(first: 20) { totalCount nodes { code name permissions { ${grantFields} } } } }`,
  userGrants: `query ($accessKey: String!) { user(accessKey: $accessKey) { permissions { ${grantFields} } } }`,
  roleGrants: `query ($code: String!) { role(code: $code) { permissions { ${grantFields} } } }`,
  command: (field: string, input: string) => `mutation ($command: ${input}!) { ${field}(command: $command) { status message } }`
}

/** The scoped grant the hot writes attach and detach: `user GET` for the instances named by `scope`. */
export const hotGrant = (scope: ReadonlyArray<string>) => ({ resource: "user", action: "GET", isConditional: true, scope })

/** The scope of the hot grant among `permissions` (as the API lists them), or none. */
export const hotScope = (permissions: ReadonlyArray<{ readonly resource: string; readonly action: string; readonly isConditional: boolean; readonly scope: ReadonlyArray<string> }>) =>
  permissions.find((grant) => grant.resource === "user" && grant.action === "GET" && grant.isConditional)?.scope ?? []
