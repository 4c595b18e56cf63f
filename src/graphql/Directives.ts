/**
 * Access control declared in the SDL, next to the fields it guards. Every root field must say who may
 * call it, or the server refuses to start: `@public` (anyone), `@authenticated` (any signed-in caller)
 * or `@needsPermission(resource, action)` (a caller whose grants reach the action). With `instance`,
 * the argument at that path names the one instance the field touches, and a caller whose grant is
 * limited to other instances is refused; list fields get the caller's reach as FieldAccess to filter by.
 * A field that touches instances of several resources repeats `@needsPermission`, one per resource.
 */
import { Effect, Either } from "effect"
import {
  getArgumentValues,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  GraphQLInputObjectType,
  GraphQLNonNull,
  type GraphQLSchema,
  GraphQLScalarType
} from "./GraphQLJs.js"
import { type Action, actions } from "../access/Permission.js"
import * as Policy from "../access/Policy.js"
import { Forbidden, type Unauthenticated } from "../kernel/Errors.js"
import { currentPrincipal, FieldAccess, type RequestPrincipal } from "./Context.js"

export const sdl = `
"Anyone may call the field, signed in or not."
directive @public on FIELD_DEFINITION
"Any signed-in caller may call the field."
directive @authenticated on FIELD_DEFINITION
"""
The caller's grants must allow \`action\` on \`resource\`. \`instance\` is the path of the argument that
names the one instance the field touches (for example "command.accessKey"); a grant limited to other
instances does not reach it. Repeated, the caller needs every one, checked in order; the first names
the field's own resource, whose reach list fields filter by.
"""
directive @needsPermission(resource: String!, action: PermissionActionEnum!, instance: String) repeatable on FIELD_DEFINITION

enum PermissionActionEnum { ${actions.join(" ")} }
`

/** One `@needsPermission`: an action on a resource, on the instance its argument path names if any. */
export interface Permission {
  readonly resource: string
  readonly action: Action
  readonly instance: ReadonlyArray<string> | undefined
}

export type AccessRule =
  | { readonly _tag: "Public" }
  | { readonly _tag: "Authenticated" }
  | ({ readonly _tag: "NeedsPermission"; readonly alsoNeeds?: ReadonlyArray<Permission> } & Permission)

/**
 * Follows `path` through the field's arguments and input objects: each step must be non-null and the
 * last a String, so every call carries the instance (an absent one could only ever be refused).
 */
const checkInstancePath = (typeName: string, field: GraphQLField<unknown, unknown>, path: ReadonlyArray<string>) => {
  const [first, ...rest] = path
  let type: GraphQLInputType | undefined = field.args.find((arg: GraphQLArgument) => arg.name === first)?.type
  for (const name of rest) {
    const inner = type instanceof GraphQLNonNull ? type.ofType : undefined
    type = inner instanceof GraphQLInputObjectType ? inner.getFields()[name]?.type : undefined
  }
  const inner = type instanceof GraphQLNonNull ? type.ofType : undefined
  if (!(inner instanceof GraphQLScalarType) || inner.name !== "String") {
    throw new Error(`${typeName}.${field.name}: @needsPermission instance "${path.join(".")}" is not a non-null String argument of the field`)
  }
}

/** The rule a root field declares; read once when the schema is built. Throws (stopping start-up) when there is none. */
export const accessRule = (schema: GraphQLSchema, typeName: string, field: GraphQLField<unknown, unknown>): AccessRule => {
  const node = field.astNode
  /** The argument values of each use of the directive on the field, in order. */
  const declared = (name: string) => {
    const directive = schema.getDirective(name)
    if (directive == null) throw new Error(`the @${name} directive is not defined`)
    return (node?.directives ?? []).filter((used) => used.name.value === name).map((used) => getArgumentValues(directive, used))
  }
  const permissions = declared("needsPermission").map((permission): Permission => {
    // graphql-js has checked the arguments against the directive definition: strings and an enum value.
    const instance = permission["instance"] === undefined ? undefined : (permission["instance"] as string).split(".")
    if (instance !== undefined) checkInstancePath(typeName, field, instance)
    return { resource: permission["resource"] as string, action: permission["action"] as Action, instance }
  })
  const [own, ...alsoNeeds] = permissions
  const rules: ReadonlyArray<AccessRule | undefined> = [
    declared("public").length === 0 ? undefined : { _tag: "Public" },
    declared("authenticated").length === 0 ? undefined : { _tag: "Authenticated" },
    own === undefined ? undefined : { _tag: "NeedsPermission", ...own, alsoNeeds }
  ]
  const found = rules.filter((rule) => rule !== undefined)
  if (found.length === 0) {
    throw new Error(`${typeName}.${field.name} says nothing about who may call it: add @public, @authenticated or @needsPermission`)
  }
  if (found.length > 1) throw new Error(`${typeName}.${field.name} has more than one access directive`)
  return found[0]!
}

const valueAt = (args: Readonly<Record<string, unknown>>, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((value, name) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined), args)

/** How far `policy` reaches for the permission, or the refusal naming the instance it does not reach. */
const reach = (policy: Policy.Policy, permission: Permission, args: Readonly<Record<string, unknown>>): Either.Either<Policy.Access, Forbidden> => {
  const { action, resource } = permission
  const access = Policy.access(policy, resource, action)
  if (!Policy.allowsAny(access)) return Either.left(new Forbidden({ resource, action }))
  if (permission.instance === undefined) return Either.right(access)
  // Non-null by the start-up check, so graphql-js has refused a call without it.
  const instance = valueAt(args, permission.instance)
  return typeof instance === "string" && Policy.allowsInstance(access, instance)
    ? Either.right(access)
    : Either.left(new Forbidden({ resource, action, instance: typeof instance === "string" ? instance : undefined }))
}

/** What the caller may reach through a field with this rule, or why not. */
export const authorize = (
  rule: AccessRule,
  args: Readonly<Record<string, unknown>>
): Effect.Effect<Policy.Access, Unauthenticated | Forbidden, RequestPrincipal> => {
  switch (rule._tag) {
    case "Public":
      return Effect.succeed({ _tag: "All" })
    case "Authenticated":
      return Effect.as(currentPrincipal, { _tag: "All" })
    case "NeedsPermission":
      return Effect.flatMap(currentPrincipal, (principal) => {
        const access = reach(principal.policy, rule, args)
        if (Either.isLeft(access) || rule.alsoNeeds === undefined) return access
        return rule.alsoNeeds.map((permission) => reach(principal.policy, permission, args)).find(Either.isLeft) ?? access
      })
  }
}

/** A resolver's program behind its field's rule: checked first, then run with the caller's reach as FieldAccess. */
export const guard = <A, E, R>(rule: AccessRule, args: Readonly<Record<string, unknown>>, resolve: Effect.Effect<A, E, R>) =>
  Effect.flatMap(authorize(rule, args), (access) => Effect.provideService(resolve, FieldAccess, access))
