/**
 * Decoding a field's arguments, for every module's resolvers: graphql-js has coerced them to the SDL's
 * types, and a Schema checks them again into the types the module uses (a ParseError answers
 * BAD_USER_INPUT), so what reaches a command or query is checked, not assumed.
 */
import { Effect, Schema } from "effect"
import { InvalidArgument } from "../kernel/Errors.js"

/** A resolver before its module's api object checks its needs against the module's services and what the edge provides. */
export type Resolver<R> = (args: Readonly<Record<string, unknown>>) => Effect.Effect<unknown, unknown, R>

export const withArgs = <A, I, R>(
  schema: Schema.Schema<A, I>,
  resolve: (args: A) => Effect.Effect<unknown, unknown, R>
): Resolver<R> =>
(args) => Effect.flatMap(Schema.decodeUnknown(schema)(args), resolve)

/**
 * Decodes the `command` argument into the command class of the same name (tag added here, not by clients).
 * A few fields declare `command` nullable, as the original API did, so that its clients' documents
 * (`$command: Credentials`) validate; null or missing, it is refused here, naming the argument.
 */
export const withCommand = <S extends Schema.Schema.AnyNoContext & { readonly _tag: string }, R>(
  command: S,
  resolve: (command: Schema.Schema.Type<S>) => Effect.Effect<unknown, unknown, R>
): Resolver<R> =>
(args) =>
  args["command"] === null || args["command"] === undefined
    ? Effect.fail(new InvalidArgument({ argument: "command", reason: "is required" }))
    : Effect.flatMap(Schema.decodeUnknown(command)({ ...(args["command"] as object), _tag: command._tag }), resolve)

/** An argument the client may leave out or send as null. */
export const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/** Relay's page arguments (kernel/Connection.ts checks their values). */
export const PageArguments = {
  first: optional(Schema.Number),
  after: optional(Schema.String),
  last: optional(Schema.Number),
  before: optional(Schema.String)
}
