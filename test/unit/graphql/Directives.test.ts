/**
 * The access directives without a server or database: GraphQLSchema.make refuses a schema whose root
 * fields do not each say who may call them, or whose `instance` path does not lead to a String
 * argument; a valid schema runs every root resolver behind its rule. Directives.authorize is checked
 * on its own against principals with scoped grants.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import * as Grant from "../../../src/access/Grant.js"
import type { Principal } from "../../../src/access/Principal.js"
import { principalHolding } from "../../support/Principals.js"
import { ClientAddress, FieldAccess, type GraphQLContext, type ModuleApi, RequestPrincipal, type RootResolver } from "../../../src/graphql/Context.js"
import * as Directives from "../../../src/graphql/Directives.js"
import { graphql, Kind, parse } from "../../../src/graphql/GraphQLJs.js"
import * as Loaders from "../../../src/graphql/Loaders.js"
import * as GraphQLSchema from "../../../src/graphql/Schema.js"

const sdlDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "kingdom-directives-"))
afterAll(() => Fs.rmSync(sdlDir, { recursive: true, force: true }))

/** How far the field's rule let the caller reach: what every fake resolver answers. */
const reach: RootResolver<never> = () =>
  Effect.map(FieldAccess, (access) => (access._tag === "Some" ? `Some(${[...access.instances].sort().join(",")})` : access._tag))

const rootFields = (sdl: string, type: "Query" | "Mutation") =>
  parse(sdl).definitions.flatMap((definition) =>
    definition.kind === Kind.OBJECT_TYPE_EXTENSION && definition.name.value === type
      ? (definition.fields ?? []).map((field) => field.name.value)
      : []
  )

let written = 0

/** A module whose SDL is `sdl` (written to a file, as modules ship it) with a resolver for each root field it declares. */
const fakeModule = (sdl: string, extra: Partial<Record<"Query" | "Mutation", ReadonlyArray<string>>> = {}): ModuleApi<never> => {
  const file = Path.join(sdlDir, `module-${written++}.graphql`)
  Fs.writeFileSync(file, sdl)
  const resolvers = (type: "Query" | "Mutation") =>
    Object.fromEntries([...rootFields(sdl, type), ...(extra[type] ?? [])].map((name) => [name, reach]))
  return { name: "fake", sdlFile: pathToFileURL(file), Query: resolvers("Query"), Mutation: resolvers("Mutation") }
}

const mutation = `extend type Mutation { noop: Boolean @public }`

/** The SchemaError's reason when make refuses; fails the test when it accepts. */
const refusal = (sdl: string, extra?: Partial<Record<"Query" | "Mutation", ReadonlyArray<string>>>) =>
  Effect.flatMap(
    Effect.either(GraphQLSchema.make([fakeModule(sdl, extra)])),
    Either.match({
      onLeft: (error) => Effect.succeed(error.reason),
      onRight: () => Effect.dieMessage("GraphQLSchema.make accepted the schema")
    })
  )

const principal = (grants: ReadonlyArray<Grant.Grant>): Principal => principalHolding(grants)

const as = (caller: Principal | undefined) => Effect.provideService(RequestPrincipal, Effect.succeed(Option.fromNullable(caller)))

const validSdl = `
input Target { key: String!, inner: Inner! }
input Inner { key: String! }
extend type Query {
  open: String @public
  signedIn: String @authenticated
  things: String @needsPermission(resource: "thing", action: LIST)
  thing(key: String!): String @needsPermission(resource: "thing", action: GET, instance: "key")
}
extend type Mutation {
  edit(command: Target!): String @needsPermission(resource: "thing", action: UPDATE, instance: "command.key")
  editDeep(command: Target!): String @needsPermission(resource: "thing", action: DELETE, instance: "command.inner.key")
}
`

/** Runs a document against the schema the way the edge does: each resolver's program with the caller provided. */
const execute = (source: string, caller: Principal | undefined) =>
  Effect.gen(function*() {
    const schema = yield* GraphQLSchema.make([fakeModule(validSdl)])
    const run: GraphQLContext<never>["run"] = (effect) =>
      Effect.runPromise(Effect.either(as(caller)(Effect.provideService(effect, ClientAddress, "127.0.0.1"))))
        .then(Either.getOrThrowWith((error) => error))
    const contextValue: GraphQLContext<never> = { requestId: "test", run, load: Loaders.make(run).load }
    const result = yield* Effect.promise(() => graphql({ schema, source, contextValue }))
    return { data: result.data, errors: (result.errors ?? []).map((error) => error.message) }
  })

describe("GraphQLSchema.make and the access directives", () => {
  it.effect("accepts a schema whose root fields each carry one rule, and runs every resolver behind it", () =>
    Effect.gen(function*() {
      const alice = principal([Grant.scoped("thing", "GET", ["alice"]), Grant.scoped("thing", "LIST", ["alice", "bob"])])
      const queries = `{ open signedIn things a: thing(key: "alice") b: thing(key: "bob") }`
      expect(yield* execute(queries, alice)).toEqual({
        data: { open: "All", signedIn: "All", things: "Some(alice,bob)", a: "Some(alice)", b: null },
        errors: ["Not allowed to GET thing bob"]
      })
      const anonymous = yield* execute(queries, undefined)
      expect(anonymous.data).toEqual({ open: "All", signedIn: null, things: null, a: null, b: null })
      expect(anonymous.errors).toHaveLength(4)
      expect(anonymous.errors.every((message) => message.startsWith("Authentication required"))).toBe(true)

      const editor = principal([Grant.scoped("thing", "UPDATE", ["alice"]), Grant.scoped("thing", "DELETE", ["deep"])])
      const edits = `mutation {
        a: edit(command: { key: "alice", inner: { key: "x" } }) b: edit(command: { key: "bob", inner: { key: "alice" } })
        c: editDeep(command: { key: "bob", inner: { key: "deep" } }) d: editDeep(command: { key: "deep", inner: { key: "alice" } })
      }`
      expect(yield* execute(edits, editor)).toEqual({
        data: { a: "Some(alice)", b: null, c: "Some(deep)", d: null },
        errors: ["Not allowed to UPDATE thing bob", "Not allowed to DELETE thing alice"]
      })
      // Unlimited grants reach every instance.
      const everything = principal([Grant.unconditional("thing", "UPDATE"), Grant.scoped("thing", "DELETE", ["*"])])
      expect(yield* execute(edits, everything)).toEqual({
        data: { a: "All", b: "All", c: "All", d: "All" },
        errors: []
      })
    }))

  it.effect("refuses a root field with no access directive, naming it", () =>
    Effect.gen(function*() {
      expect(yield* refusal(`extend type Query { fine: String @public, bare(id: String): String } ${mutation}`))
        .toMatch(/^Query\.bare says nothing about who may call it/)
      expect(yield* refusal(`extend type Query { fine: String @public } extend type Mutation { bareMutation: Boolean }`))
        .toMatch(/^Mutation\.bareMutation says nothing about who may call it/)
    }))

  it.effect("refuses more than one access directive on a field", () =>
    Effect.gen(function*() {
      expect(yield* refusal(`extend type Query { both: String @public @authenticated } ${mutation}`))
        .toBe("Query.both has more than one access directive")
      expect(yield* refusal(`extend type Query { both: String @authenticated @needsPermission(resource: "x", action: GET) } ${mutation}`))
        .toBe("Query.both has more than one access directive")
      // The same directive twice is already invalid SDL.
      expect(yield* refusal(`extend type Query { twice: String @public @public } ${mutation}`)).toContain("@public")
    }))

  it.effect("refuses an instance path that does not lead to a non-null String argument", () =>
    Effect.gen(function*() {
      const field = (path: string) => `
        input Command { key: String!, optional: String, count: Int, inner: Inner!, maybeInner: Inner, keys: [String!] }
        input Inner { key: String! }
        extend type Query {
          guarded(key: String!, optionalKey: String, count: Int, id: ID, keys: [String!], command: Command!, maybeCommand: Command): String
            @needsPermission(resource: "thing", action: GET, instance: "${path}")
        }
        ${mutation}`
      const refused = [
        "missing", "command.nope", "command", "count", "id", "key.deeper", "command.count", "command.inner", "command.inner.nope", "",
        // Optional steps: a call without the instance could only ever be refused, so the schema may not allow one.
        "optionalKey", "command.optional", "command.maybeInner.key", "maybeCommand.key"
      ]
      for (const path of refused) {
        expect(yield* refusal(field(path)), path).toContain(`Query.guarded: @needsPermission instance "${path}" is not a non-null String argument of the field`)
      }
      for (const path of ["key", "command.key", "command.inner.key"]) {
        expect(Exit.isSuccess(yield* Effect.exit(GraphQLSchema.make([fakeModule(field(path))]))), path).toBe(true)
      }
    }))

  it.effect("refuses a list of strings as the instance, which no single instance could match", () =>
    Effect.gen(function*() {
      const field = (path: string) => `
        input Command { keys: [String!]! }
        extend type Query { guarded(keys: [String!]!, command: Command!): String @needsPermission(resource: "thing", action: GET, instance: "${path}") }
        ${mutation}`
      for (const path of ["keys", "command.keys"]) {
        expect(yield* refusal(field(path)), path).toContain(`instance "${path}" is not a non-null String argument`)
      }
    }))

  it.effect("refuses directive arguments outside the definition, and resolvers without a field", () =>
    Effect.gen(function*() {
      expect(yield* refusal(`extend type Query { q: String @needsPermission(resource: "x", action: FLY) } ${mutation}`)).toContain("FLY")
      expect(yield* refusal(`extend type Query { q: String @needsPermission(action: GET) } ${mutation}`)).toContain("resource")
      expect(yield* refusal(`extend type Query { q: String @public } ${mutation}`, { Query: ["ghost"] }))
        .toBe("Query.ghost has a resolver but is not in any SDL")
    }))
})

describe("Directives.authorize", () => {
  const needs = (action: "LIST" | "GET", instance?: ReadonlyArray<string>): Directives.AccessRule => ({
    _tag: "NeedsPermission", resource: "user", action, instance
  })
  const outcome = (rule: Directives.AccessRule, args: Record<string, unknown>, caller: Principal | undefined) =>
    Effect.map(Effect.either(as(caller)(Directives.authorize(rule, args))), Either.match({
      onLeft: (error) => `${error._tag}: ${error.message}`,
      onRight: (access) => (access._tag === "Some" ? `Some(${[...access.instances].sort().join(",")})` : access._tag)
    }))
  const scopedReader = principal([Grant.scoped("user", "GET", ["alice"]), Grant.scoped("user", "LIST", ["bob", "alice"])])

  it.effect("lets anyone through @public and any signed-in caller through @authenticated", () =>
    Effect.gen(function*() {
      expect(yield* outcome({ _tag: "Public" }, {}, undefined)).toBe("All")
      expect(yield* outcome({ _tag: "Authenticated" }, {}, undefined)).toMatch(/^Unauthenticated: /)
      expect(yield* outcome({ _tag: "Authenticated" }, {}, principal([]))).toBe("All")
      expect(yield* outcome(needs("LIST"), {}, undefined)).toMatch(/^Unauthenticated: /)
    }))

  it.effect("answers a list field with the caller's reach, and refuses a caller without the action", () =>
    Effect.gen(function*() {
      expect(yield* outcome(needs("LIST"), {}, scopedReader)).toBe("Some(alice,bob)")
      expect(yield* outcome(needs("LIST"), {}, principal([Grant.unconditional("user", "LIST")]))).toBe("All")
      expect(yield* outcome(needs("LIST"), {}, principal([Grant.scoped("user", "LIST", ["*"])]))).toBe("All")
      expect(yield* outcome(needs("LIST"), {}, principal([Grant.unconditional("role", "LIST"), Grant.scoped("user", "GET", ["*"])])))
        .toBe("Forbidden: Not allowed to LIST user")
    }))

  it.effect("checks the named instance against the caller's scope, at any depth of the arguments", () =>
    Effect.gen(function*() {
      const byKey = needs("GET", ["accessKey"])
      expect(yield* outcome(byKey, { accessKey: "alice" }, scopedReader)).toBe("Some(alice)")
      expect(yield* outcome(byKey, { accessKey: "bob" }, scopedReader)).toBe("Forbidden: Not allowed to GET user bob")
      expect(yield* outcome(byKey, { accessKey: "bob" }, principal([Grant.unconditional("user", "GET")]))).toBe("All")
      // Missing or not a string: refused, naming no instance.
      expect(yield* outcome(byKey, {}, scopedReader)).toBe("Forbidden: Not allowed to GET user")
      expect(yield* outcome(byKey, { accessKey: ["alice"] }, scopedReader)).toBe("Forbidden: Not allowed to GET user")
      expect(yield* outcome(byKey, { accessKey: null }, scopedReader)).toBe("Forbidden: Not allowed to GET user")

      const nested = needs("GET", ["command", "accessKey"])
      expect(yield* outcome(nested, { command: { accessKey: "alice" } }, scopedReader)).toBe("Some(alice)")
      expect(yield* outcome(nested, { command: { accessKey: "bob" } }, scopedReader)).toBe("Forbidden: Not allowed to GET user bob")
      expect(yield* outcome(nested, { command: null }, scopedReader)).toBe("Forbidden: Not allowed to GET user")
      expect(yield* outcome(nested, { accessKey: "alice" }, scopedReader)).toBe("Forbidden: Not allowed to GET user")
    }))

  it.effect("guard runs the resolver with the caller's reach as FieldAccess, and not at all when refused", () =>
    Effect.gen(function*() {
      let ran = 0
      const resolver = Effect.flatMap(FieldAccess, (access) => Effect.sync(() => { ran++; return access._tag }))
      expect(yield* as(scopedReader)(Directives.guard(needs("LIST"), {}, resolver))).toBe("Some")
      const refused = yield* Effect.either(as(scopedReader)(Directives.guard(needs("GET", ["accessKey"]), { accessKey: "bob" }, resolver)))
      expect(Either.isLeft(refused)).toBe(true)
      expect(ran).toBe(1)
    }))
})
