/**
 * What one GraphQL request carries into its resolvers: who is calling, and a way to run Effect
 * programs with the server's services. Built per request by Execute.ts.
 */
import { Context, Effect, Option } from "effect"
import type { Principal } from "../auth/Queries.js"
import { Unauthenticated } from "../kernel/Errors.js"

/**
 * The caller, looked up at most once per request (the effect is memoised), and only if a field asks:
 * none when there is no bearer token, or it is invalid, or its user no longer exists.
 */
export class RequestPrincipal extends Context.Tag("graphql/RequestPrincipal")<
  RequestPrincipal,
  Effect.Effect<Option.Option<Principal>>
>() {}

export const currentPrincipal: Effect.Effect<Principal, Unauthenticated, RequestPrincipal> = Effect.flatten(RequestPrincipal).pipe(
  Effect.flatMap(Option.match({ onNone: () => Effect.fail(new Unauthenticated()), onSome: Effect.succeed }))
)

/** graphql-js's `contextValue` (a type alias, not an interface, so it meets graphql-http's record constraint). */
export type GraphQLContext<R> = {
  readonly requestId: string
  /**
   * Runs a resolver's program for this request: resolves with its value, or rejects with a GraphQLError
   * whose extensions.code comes from ErrorCodes.ts.
   */
  readonly run: <A, E>(effect: Effect.Effect<A, E, R | RequestPrincipal>) => Promise<A>
}

/**
 * A root field's program. `args` are graphql-js's coerced arguments; resolvers still decode them with
 * a Schema (a ParseError answers BAD_USER_INPUT) so the types they pass on are checked, not assumed.
 */
export type RootResolver<R> = (args: Readonly<Record<string, unknown>>) => Effect.Effect<unknown, unknown, R | RequestPrincipal>

/** One module's share of the API: its SDL and a resolver for every root field it declares. */
export interface ModuleApi<R> {
  readonly name: string
  /** Read once at start-up. */
  readonly sdlFile: URL
  readonly Query: Readonly<Record<string, RootResolver<R>>>
  readonly Mutation: Readonly<Record<string, RootResolver<R>>>
}
