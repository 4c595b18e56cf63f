import * as Grant from "../../access/Grant.js"
import * as Policy from "../../access/Policy.js"

/**
 * What a change of someone's grants takes away: each grant `before` reached that `after` no longer
 * does. A scoped grant loses only the instances `after` stops reaching; a grant of every instance is
 * taken whole as soon as any instance goes, since there is no "all but" to name what is left.
 */
export const taken = (before: ReadonlyArray<Grant.Grant>, after: ReadonlyArray<Grant.Grant>): ReadonlyArray<Grant.Grant> => {
  const remaining = Policy.compile(after)
  return Grant.normalize(before.flatMap((grant) => {
    if (Policy.covers(remaining, grant)) return []
    // An unconditional grant (no scope) or a grant of `*` (which no instance list reaches) comes out whole.
    const kept = Policy.access(remaining, grant.resource, grant.action)
    return [Grant.make(grant, grant.scope.filter((instance) => !Policy.allowsInstance(kept, instance)))]
  }))
}

/** What someone gains is what the change takes from the other direction. */
export const given = (before: ReadonlyArray<Grant.Grant>, after: ReadonlyArray<Grant.Grant>): ReadonlyArray<Grant.Grant> =>
  taken(after, before)
