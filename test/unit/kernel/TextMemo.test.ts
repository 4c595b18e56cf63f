import { describe, expect, it } from "@effect/vitest"
import * as TextMemo from "../../../src/kernel/TextMemo.js"

describe("TextMemo", () => {
  it("derives once per text and hands out the very same value again", () => {
    const derived: Array<string> = []
    const memo = TextMemo.make(10, (text) => {
      derived.push(text)
      return { text }
    })
    const first = memo("a")
    expect(memo("a")).toBe(first)
    expect(memo("b")).not.toBe(first)
    expect(derived).toEqual(["a", "b"])
  })

  it("past its capacity drops the least recently used text, which is derived anew", () => {
    const derived: Array<string> = []
    const memo = TextMemo.make(2, (text) => {
      derived.push(text)
      return { text }
    })
    const a = memo("a")
    memo("b")
    memo("a") // a is now the most recent: b goes first
    memo("c")
    expect(memo("a")).toBe(a)
    memo("b")
    expect(derived).toEqual(["a", "b", "c", "b"])
  })

  it("keeps a derived undefined too", () => {
    let calls = 0
    const memo = TextMemo.make(2, () => {
      calls++
      return undefined
    })
    memo("x")
    memo("x")
    expect(calls).toBe(1)
  })
})
