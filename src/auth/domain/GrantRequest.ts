import { Either } from "effect"
import * as Grant from "../../access/Grant.js"
import type { Permission } from "../../access/Permission.js"
import { InvalidInput } from "./Errors.js"

/** A grant as a client asks for it (in a command), not yet checked. */
export type GrantRequest = Permission & { readonly scope: ReadonlyArray<string> }

const selectorPattern = /^\S{1,128}$/

/** The grant a request stands for, if well formed: a scope only on conditional grants, never empty on them. */
export const check = (input: GrantRequest): Either.Either<Grant.Grant, InvalidInput> => {
  const name = `${input.resource}:${input.action}`
  if (!input.isConditional && input.scope.length > 0) {
    return Either.left(new InvalidInput({ field: "scope", reason: `applies only to conditional permissions (${name} is not)` }))
  }
  if (input.isConditional && input.scope.length === 0) {
    return Either.left(new InvalidInput({ field: "scope", reason: `must name the instances ${name} covers, or "*" for all` }))
  }
  const bad = input.scope.find((selector) => !selectorPattern.test(selector))
  return bad === undefined
    ? Either.right(Grant.make(input, input.scope))
    : Either.left(new InvalidInput({ field: "scope", reason: `${JSON.stringify(bad)} is not 1-128 characters without spaces` }))
}
