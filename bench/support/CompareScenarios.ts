/**
 * The four operations of the comparison, as HTTP requests every server gets alike: the same query
 * text and variables, and a bearer token for the same account, which each server issued itself
 * (`authenticate`: a token names a session, and on PGlite every server has its own database).
 */
import type { LoadRequest } from "./CompareLoad.js"
import type { Seeded } from "./CompareSeed.js"

export const scenarioNames = ["me", "users", "attach", "authenticate"] as const
export type ScenarioName = (typeof scenarioNames)[number]

export const titles: Record<ScenarioName, string> = {
  me: "(1) me with permissions",
  users: "(2) users page of 50 with roles and permissions",
  attach: "(3) attachUserPermissions",
  authenticate: "(4) authenticate (argon2)"
}

const grant = "resource action isConditional scope"

const queries: Record<ScenarioName, string> = {
  me: `query Me { me { accessKey email name createdAt permissions { ${grant} } effectivePermissions { ${grant} } role { code name } } }`,
  users: `query Users($first: Int) { users(first: $first) { nodes { accessKey email name createdAt role { code name } ` +
    `permissions { ${grant} } effectivePermissions { ${grant} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  attach: `mutation Attach($command: AttachUserPermissions!) { attachUserPermissions(command: $command) { status message } }`,
  authenticate: `mutation Authenticate($command: Credentials!) { authenticate(command: $command) { token { value authType } ` +
    `accessKey email name role { code name } effectivePermissions { ${grant} } } }`
}

export interface Tokens {
  readonly admin: string
  readonly member: string
}

const body = (name: ScenarioName, variables: object) => JSON.stringify({ query: queries[name], variables })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The request a scenario sends; the mutation cycles through the seeded target users. */
export const request = (name: ScenarioName, seeded: Seeded, tokens: Tokens): LoadRequest => {
  switch (name) {
    case "me":
      return { headers: bearer(tokens.member), bodies: [body("me", {})] }
    case "users":
      return { headers: bearer(tokens.admin), bodies: [body("users", { first: 50 })] }
    case "attach":
      return {
        headers: bearer(tokens.admin),
        bodies: seeded.targets.map((accessKey) =>
          body("attach", {
            command: { accessKey, permissions: [{ resource: "user", action: "UPDATE", isConditional: true, scope: [seeded.member.accessKey] }] }
          }))
      }
    case "authenticate":
      return { headers: {}, bodies: [body("authenticate", { command: seeded.member })] }
  }
}

/** The memory soak's mix, per connection in turn: mostly reads, a write, a login. */
export const soakMix = (seeded: Seeded, tokens: Tokens): ReadonlyArray<LoadRequest> => {
  const [me, users, attach, login] = scenarioNames.map((name) => request(name, seeded, tokens))
  return [me!, users!, me!, attach!, me!, users!, me!, login!]
}
