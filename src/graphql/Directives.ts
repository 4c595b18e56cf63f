/**
 * Access control declared in the SDL, next to the fields it guards. Every root field is guarded:
 * `@public` lets anyone in, `@needsPermission` needs a caller whose effective grants allow the action,
 * and a field with neither needs a signed-in caller, so forgetting a directive never opens a field.
 */
import { Effect } from "effect"
import { getDirectiveValues, type GraphQLField, type GraphQLSchema } from "./GraphQLJs.js"
import { type Action, actions } from "../auth/domain/Permission.js"
import * as Policy from "../auth/domain/Policy.js"
import { Forbidden, type Unauthenticated } from "../kernel/Errors.js"
import { currentPrincipal, type RequestPrincipal } from "./Context.js"

export const sdl = `
directive @needsPermission(resource: String!, action: PermissionActionEnum!) on FIELD_DEFINITION
directive @public on FIELD_DEFINITION

enum PermissionActionEnum { ${actions.join(" ")} }
`

export type AccessRule =
  | { readonly _tag: "Public" }
  | { readonly _tag: "SignedIn" }
  | { readonly _tag: "NeedsPermission"; readonly resource: string; readonly action: Action }

/** The rule a root field declares; read once when the schema is built. */
export const accessRule = (schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): AccessRule => {
  const node = field.astNode
  const isPublic = schema.getDirective("public")
  const needsPermission = schema.getDirective("needsPermission")
  // Fail closed: without the definitions (or an AST) nothing can be public.
  if (node == null || isPublic == null || needsPermission == null) return { _tag: "SignedIn" }
  const permission = getDirectiveValues(needsPermission, node)
  if (getDirectiveValues(isPublic, node) !== undefined) {
    if (permission !== undefined) throw new Error(`${field.name}: @public and @needsPermission contradict each other`)
    return { _tag: "Public" }
  }
  // graphql-js has checked the arguments against the directive definition: a string and an enum value.
  return permission === undefined
    ? { _tag: "SignedIn" }
    : { _tag: "NeedsPermission", resource: permission["resource"] as string, action: permission["action"] as Action }
}

/** Succeeds when the request may run a field with this rule. */
export const authorize = (rule: AccessRule): Effect.Effect<void, Unauthenticated | Forbidden, RequestPrincipal> => {
  switch (rule._tag) {
    case "Public":
      return Effect.void
    case "SignedIn":
      return Effect.asVoid(currentPrincipal)
    case "NeedsPermission":
      return Effect.flatMap(currentPrincipal, (principal) =>
        Policy.allows(principal.permissions, rule.resource, rule.action)
          ? Effect.void
          : Effect.fail(new Forbidden({ resource: rule.resource, action: rule.action })))
  }
}

/** An Effect-returning resolver behind its field's rule: the rule is checked before the resolver runs. */
export const guard = <A, E, R>(rule: AccessRule, resolve: Effect.Effect<A, E, R>) =>
  Effect.zipRight(authorize(rule), resolve)
