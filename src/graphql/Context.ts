/**
 * What one GraphQL request carries into its resolvers: who is calling, what they may reach, the
 * request's batch loaders, and a way to run Effect programs with the server's services. Built per
 * request by Execute.ts.
 */
import { Context, Effect, Option } from "effect"
import type { Action } from "../access/Permission.js"
import * as Policy from "../access/Policy.js"
import type { Principal } from "../access/Principal.js"
import { Unauthenticated } from "../kernel/Errors.js"
import type { BatchedField, Lookup } from "./Loaders.js"

/**
 * The caller, looked up at most once per request (the effect is memoised), and only if a field asks:
 * none when there is no bearer token, or it is invalid, or its session has ended, or its user no longer exists.
 */
export class RequestPrincipal extends Context.Tag("graphql/RequestPrincipal")<
  RequestPrincipal,
  Effect.Effect<Option.Option<Principal>>
>() {}

/**
 * Principals whose session a `logout` of a still running request has ended. Every field of a request
 * shares one principal object (the lookup is memoised), so the mutation fields after a logout find it
 * here and run without a caller: a WeakSet lookup, no statement. Later requests read the session as
 * ended from the database. A principal belongs to one session, so its mark holds wherever it is seen.
 */
const endedSessions = new WeakSet<Principal>()

/** Ends the caller's session for the fields still to run: once the logout has committed. */
export const endSession = (principal: Principal): Effect.Effect<void> => Effect.sync(() => {
  endedSessions.add(principal)
})

/** The signed-in caller, or Unauthenticated: what @authenticated and @needsPermission check (Directives.ts). */
export const currentPrincipal: Effect.Effect<Principal, Unauthenticated, RequestPrincipal> = Effect.flatten(RequestPrincipal).pipe(
  Effect.flatMap(Option.match({
    onNone: () => new Unauthenticated(),
    onSome: (principal) => endedSessions.has(principal) ? new Unauthenticated() : Effect.succeed(principal)
  }))
)

/**
 * How far the caller's grants reach for `action` on `resource` (none without a caller), for fields
 * below the root that show parts of their value by permission; root fields get theirs as FieldAccess.
 */
export const callerAccess = (resource: string, action: Action): Effect.Effect<Policy.Access, never, RequestPrincipal> =>
  currentPrincipal.pipe(
    Effect.map((principal) => Policy.access(principal.policy, resource, action)),
    Effect.orElseSucceed((): Policy.Access => ({ _tag: "None" }))
  )

/**
 * How far the caller's grant for the running root field reaches (every instance, some, or none):
 * list resolvers filter by it, so a scoped caller sees, and counts, only what is in scope.
 */
export class FieldAccess extends Context.Tag("graphql/FieldAccess")<FieldAccess, Policy.Access>() {}

/** The client's address: the socket's peer, or what a trusted proxy forwarded (http/ClientAddress.ts). */
export class ClientAddress extends Context.Tag("graphql/ClientAddress")<ClientAddress, string>() {}

/** What every resolver's program may use besides the module's services. */
export type RequestServices = RequestPrincipal | ClientAddress

/**
 * The span a resolver's program runs in, made only when tracing is on (the request then has a span
 * of its own, their parent); otherwise none is made at all, not even a no-op one.
 */
export interface ResolverSpan {
  readonly name: string
  readonly attributes?: Readonly<Record<string, unknown>>
}

/** graphql-js's `contextValue` (a type alias, not an interface, so it meets graphql-http's record constraint). */
export type GraphQLContext<R> = {
  readonly requestId: string
  /**
   * Runs a resolver's program for this request: resolves with its value, or rejects with a GraphQLError
   * whose extensions.code comes from ErrorCodes.ts.
   */
  readonly run: <A, E>(effect: Effect.Effect<A, E, R | RequestServices>, span?: ResolverSpan) => Promise<A>
  /** Joins the request's batch for `lookup` (Loaders.ts); a failed batch rejects as `run` does. */
  readonly load: <K, V>(lookup: Lookup<K, V, R | RequestServices>, key: K) => Promise<Option.Option<V>>
}

type Arguments = Readonly<Record<string, unknown>>

/**
 * A root field's program. `args` are graphql-js's coerced arguments; resolvers still decode them with
 * a Schema (a ParseError answers BAD_USER_INPUT) so the types they pass on are checked, not assumed.
 */
export type RootResolver<R> = (args: Arguments) => Effect.Effect<unknown, unknown, R | RequestServices | FieldAccess>

/**
 * A field of an object type, computed from its parent (for example a user's role, loaded in a batch).
 * any: the parent is whatever the module's root resolvers returned for that type; each module knows its own.
 */
export type FieldResolver<R> = (source: any, args: Arguments) => Effect.Effect<unknown, unknown, R | RequestServices>

/** One module's share of the API: its SDL and a resolver for every root field it declares. */
export interface ModuleApi<R> {
  readonly name: string
  /** Read once at start-up. */
  readonly sdlFile: URL
  readonly Query: Readonly<Record<string, RootResolver<R>>>
  readonly Mutation: Readonly<Record<string, RootResolver<R>>>
  /**
   * Computed fields of the module's object types, by type name then field name: a program, or a
   * batched lookup (Loaders.field), which costs no program of its own per field.
   */
  readonly types?: Readonly<Record<string, Readonly<Record<string, FieldResolver<R> | BatchedField<R | RequestServices>>>>>
}
