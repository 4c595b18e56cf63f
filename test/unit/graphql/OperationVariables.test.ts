/**
 * Operation.variables: what of a request's variables reaches graphql-js. Only the declared ones, each
 * nested at most maxDepth levels and free of NUL; checked without recursion, so no nesting a client
 * can send overflows the stack.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { type OperationDefinitionNode, parse } from "../../../src/graphql/GraphQLJs.js"
import * as NulCharacters from "../../../src/graphql/NulCharacters.js"
import * as Operation from "../../../src/graphql/Operation.js"

const operation = parse("query ($name: String, $grid: [[String]], $input: Credentials) { __typename }").definitions[0] as OperationDefinitionNode
const maxDepth = 3

/** Lists nested `depth` levels deep around `bottom`, built without recursion. */
const nested = (depth: number, bottom: unknown = "x"): unknown => {
  let value = bottom
  for (let level = 0; level < depth; level++) value = [value]
  return value
}

const refusal = (variables: Record<string, unknown>) => {
  const result = Operation.variables(operation, variables, maxDepth)
  if (Either.isRight(result)) throw new Error(`accepted: ${Object.keys(result.right)}`)
  return { message: result.left.message, code: result.left.extensions["code"] }
}

describe("Operation.variables", () => {
  it("keeps the declared variables given and drops the others unread, however deep or with a NUL", () => {
    const given = { name: "ada", grid: [["a"]], deep: nested(100_000), nul: "a\u0000b", object: { a: { b: { c: { d: {} } } } } }
    expect(Operation.variables(operation, given, maxDepth)).toEqual(Either.right({ name: "ada", grid: [["a"]] }))
    expect(Operation.variables(operation, null, maxDepth)).toEqual(Either.right({}))
    expect(Operation.variables(parse("{ __typename }").definitions[0] as OperationDefinitionNode, given, maxDepth)).toEqual(Either.right({}))
  })

  it("keeps a variable named __proto__ as a variable, checked like any other", () => {
    const protoOperation = parse("query ($__proto__: [String]) { __typename }").definitions[0] as OperationDefinitionNode
    const kept = Either.getOrThrow(Operation.variables(protoOperation, JSON.parse("{\"__proto__\":[\"x\"]}"), maxDepth))
    expect(Object.hasOwn(kept, "__proto__")).toBe(true)
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype)
    expect(Either.isLeft(Operation.variables(protoOperation, JSON.parse("{\"__proto__\":[[[[\"x\"]]]]}"), maxDepth))).toBe(true)
  })

  it("takes a variable nested maxDepth levels deep and refuses one level more, as BAD_USER_INPUT", () => {
    expect(Either.isRight(Operation.variables(operation, { grid: nested(maxDepth) }, maxDepth))).toBe(true)
    expect(Either.isRight(Operation.variables(operation, { input: { a: { b: [] } } }, maxDepth))).toBe(true)
    const refused = { message: "Variable $grid is nested deeper than 3 levels (GRAPHQL_MAX_DEPTH)", code: "BAD_USER_INPUT" }
    expect(refusal({ grid: nested(maxDepth + 1) })).toEqual(refused)
    expect(refusal({ grid: [[], [[[]]]] })).toEqual(refused)
    expect(refusal({ input: { a: { b: [{}] } } })).toEqual({ ...refused, message: "Variable $input is nested deeper than 3 levels (GRAPHQL_MAX_DEPTH)" })
  })

  it("refuses a variable nested 100,000 levels deep without overflowing the stack", () => {
    expect(refusal({ name: nested(100_000) }).code).toBe("BAD_USER_INPUT")
    const objects = Array.from({ length: 100_000 }).reduce<unknown>((inner) => ({ inner }), "x")
    expect(refusal({ input: objects }).code).toBe("BAD_USER_INPUT")
  })

  it("refuses a declared variable holding a NUL, naming the first one's path", () => {
    expect(refusal({ name: "ok", grid: [["a"], ["b", "c\u0000", "\u0000"]] })).toEqual({
      message: "Variable $grid[1][1] may not contain the character U+0000 (NUL)",
      code: "BAD_USER_INPUT"
    })
    expect(refusal({ input: { accessKey: "a", password: "\u0000" } }).message).toBe("Variable $input.password may not contain the character U+0000 (NUL)")
  })
})

describe("NulCharacters.nulInVariables", () => {
  it("finds a NUL at the bottom of 100,000 levels, and none where there is none, without overflowing the stack", () => {
    expect(NulCharacters.nulInVariables({ deep: nested(100_000, "\u0000") })).toBe(`$deep${"[0]".repeat(100_000)}`)
    expect(NulCharacters.nulInVariables({ deep: nested(100_000) })).toBeUndefined()
  })

  it("names the first NUL in the variables' order", () => {
    expect(NulCharacters.nulInVariables({ a: ["x", { b: "\u0000", c: "\u0000" }], d: "\u0000" })).toBe("$a[1].b")
    expect(NulCharacters.nulInVariables(null)).toBeUndefined()
  })
})
