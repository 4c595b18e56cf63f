/**
 * A root field that touches instances of two resources repeats @needsPermission: the caller needs
 * every one, checked in order (so the field's own resource is refused first), each instance path is
 * checked at start-up, and list resolvers get the first one's reach as FieldAccess.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as Grant from "../../../src/access/Grant.js"
import type { Principal } from "../../../src/access/Principal.js"
import { principalHolding } from "../../support/Principals.js"
import { RequestPrincipal } from "../../../src/graphql/Context.js"
import * as Directives from "../../../src/graphql/Directives.js"
import { buildSchema } from "../../../src/graphql/GraphQLJs.js"

const ruleOf = (instancePath: string) => {
  const schema = buildSchema(`${Directives.sdl}
    input Command { slug: String!, accessKey: String! }
    type Query {
      join(command: Command!): String
        @needsPermission(resource: "team", action: UPDATE, instance: "command.slug")
        @needsPermission(resource: "user", action: GET, instance: "${instancePath}")
    }`)
  return Directives.accessRule(schema, "Query", schema.getQueryType()!.getFields()["join"]!)
}

const caller = (grants: ReadonlyArray<Grant.Grant>): Principal => principalHolding(grants)

const outcome = (rule: Directives.AccessRule, command: object, principal: Principal) =>
  Directives.authorize(rule, { command }).pipe(
    Effect.provideService(RequestPrincipal, Effect.succeed(Option.some(principal))),
    Effect.either,
    Effect.map(Either.match({
      onLeft: (error) => error.message,
      onRight: (access) => (access._tag === "Some" ? `Some(${[...access.instances].join(",")})` : access._tag)
    }))
  )

describe("@needsPermission repeated", () => {
  it("checks the instance path of every use at start-up", () => {
    expect(() => ruleOf("command.nope")).toThrow(`Query.join: @needsPermission instance "command.nope" is not a non-null String argument of the field`)
    expect(ruleOf("command.accessKey")).toMatchObject({ _tag: "NeedsPermission", resource: "team", alsoNeeds: [{ resource: "user", action: "GET" }] })
  })

  it.effect("needs every permission, in order, and answers the first one's reach", () =>
    Effect.gen(function*() {
      const rule = ruleOf("command.accessKey")
      const editor = caller([Grant.scoped("team", "UPDATE", ["acme"]), Grant.scoped("user", "GET", ["alice"])])
      expect(yield* outcome(rule, { slug: "acme", accessKey: "alice" }, editor)).toBe("Some(acme)")
      expect(yield* outcome(rule, { slug: "acme", accessKey: "bob" }, editor)).toBe("Not allowed to GET user bob")
      expect(yield* outcome(rule, { slug: "globex", accessKey: "bob" }, editor)).toBe("Not allowed to UPDATE team globex")
      expect(yield* outcome(rule, { slug: "acme", accessKey: "alice" }, caller([Grant.scoped("team", "UPDATE", ["acme"])])))
        .toBe("Not allowed to GET user")
    }))
})
