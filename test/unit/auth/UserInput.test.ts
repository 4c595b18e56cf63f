import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as User from "../../../src/auth/domain/User.js"

const refusal = (field: string, reason: string) => Either.left({ _tag: "InvalidInput", field, reason })

describe("User.checkAccessKey", () => {
  it("takes 1 to 128 characters", () => {
    for (const accessKey of ["a", "alice", "x".repeat(128)]) expect(User.checkAccessKey(accessKey)).toEqual(Either.right(accessKey))
  })

  it("refuses an empty or longer key, and a space anywhere: keys are not trimmed", () => {
    for (const accessKey of ["", " alice", "alice ", "al ice", "x".repeat(129)]) {
      expect(User.checkAccessKey(accessKey), accessKey).toMatchObject(refusal("accessKey", "must be 1-128 characters without spaces"))
    }
  })
})

describe("User.checkEmail", () => {
  it.each([
    ["alice@example.com", "alice@example.com"],
    ["a@b.c", "a@b.c"],
    ["  alice@example.com\n", "alice@example.com"]
  ])("accepts %j as %j", (email, kept) => {
    expect(User.checkEmail(email)).toEqual(Either.right(kept))
  })

  it("takes up to 254 characters, the longest address SMTP carries", () => {
    const at254 = `${"a".repeat(64)}@${"b".repeat(185)}.com`
    expect(at254).toHaveLength(254)
    expect(Either.isRight(User.checkEmail(at254))).toBe(true)
    expect(User.checkEmail(`a${at254}`)).toMatchObject(Either.left({ _tag: "InvalidEmail", email: `a${at254}` }))
  })

  it.each(["alice", "alice@example", "@example.com", "alice@.com", "alice@example.", "a b@example.com", "alice@exa mple.com", "alice@example.c m", "alice@@example.com"])(
    "refuses %j, echoing it as given",
    (email) => {
      expect(User.checkEmail(email)).toMatchObject(Either.left({ _tag: "InvalidEmail", email }))
    }
  )
})

describe("User.checkPassword", () => {
  it("takes 8 to 1024 characters as given", () => {
    for (const length of [8, 1024]) expect(User.checkPassword("p".repeat(length))).toEqual(Either.right("p".repeat(length)))
    for (const length of [0, 7, 1025]) {
      expect(User.checkPassword("p".repeat(length))).toMatchObject(refusal("password", "must be 8 to 1024 characters"))
    }
  })
})

describe("User.checkRegistration", () => {
  it("hands back the registration as it will be stored: e-mail and name trimmed, password untouched", () => {
    const registration = { accessKey: "alice", email: " alice@example.com ", name: " Alice ", password: " long enough " }
    expect(User.checkRegistration(registration)).toEqual(
      Either.right({ accessKey: "alice", email: "alice@example.com", name: "Alice", password: " long enough " })
    )
  })
})
