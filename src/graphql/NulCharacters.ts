/**
 * PostgreSQL's text cannot hold U+0000 (NUL): a string carrying one failed in the database as an
 * internal error (the fuzz test found it). Refused at the edge instead, naming where it was: in the
 * document's literals by a validation rule (so a cached document is checked once), in the variables
 * the operation declares on every request (Operation.variables).
 */
import { GraphQLError, type ValidationRule } from "./GraphQLJs.js"

const nul = "\u0000"
const reason = "may not contain the character U+0000 (NUL)"

export const noNulInLiterals: ValidationRule = (context) => ({
  StringValue: (node) => {
    if (node.value.includes(nul)) context.reportError(new GraphQLError(`A string ${reason}`, { nodes: node }))
  }
})

/**
 * The path (`$input.name`, `$keys[2]`) of the first string among the variables holding a NUL. A walk
 * with its own stack, not recursion: no nesting a client sends can overflow it.
 */
export const nulInVariables = (variables: Readonly<Record<string, unknown>> | null | undefined): string | undefined => {
  // Last in, first out: children are pushed in reverse so the first NUL in document order is found.
  const pending: Array<readonly [unknown, string]> = Object.entries(variables ?? {})
    .map(([name, value]) => [value, `$${name}`] as const)
    .reverse()
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next
    if (typeof value === "string") {
      if (value.includes(nul)) return path
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push([value[index], `${path}[${index}]`])
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value)
      for (let index = entries.length - 1; index >= 0; index--) pending.push([entries[index]![1], `${path}.${entries[index]![0]}`])
    }
  }
  return undefined
}

export const variableMessage = (path: string) => `Variable ${path} ${reason}`
