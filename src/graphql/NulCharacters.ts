/**
 * PostgreSQL's text cannot hold U+0000 (NUL): a string carrying one failed in the database as an
 * internal error (the fuzz test found it). Refused at the edge instead, naming where it was: in the
 * document's literals by a validation rule (so a cached document is checked once), in the variables
 * on every request.
 */
import { GraphQLError, type ValidationRule } from "./GraphQLJs.js"

const nul = "\u0000"
const reason = "may not contain the character U+0000 (NUL)"

export const noNulInLiterals: ValidationRule = (context) => ({
  StringValue: (node) => {
    if (node.value.includes(nul)) context.reportError(new GraphQLError(`A string ${reason}`, { nodes: node }))
  }
})

/** The path (`$input.name`, `$keys[2]`) of the first string among the variables holding a NUL. */
export const nulInVariables = (variables: Readonly<Record<string, unknown>> | null | undefined): string | undefined => {
  const find = (value: unknown, path: string): string | undefined => {
    if (typeof value === "string") return value.includes(nul) ? path : undefined
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const found = find(value[index], `${path}[${index}]`)
        if (found !== undefined) return found
      }
      return undefined
    }
    if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const found = find(item, `${path}.${key}`)
        if (found !== undefined) return found
      }
    }
    return undefined
  }
  if (variables == null) return undefined
  for (const [name, value] of Object.entries(variables)) {
    const found = find(value, `$${name}`)
    if (found !== undefined) return found
  }
  return undefined
}

export const variableMessage = (path: string) => `Variable ${path} ${reason}`
