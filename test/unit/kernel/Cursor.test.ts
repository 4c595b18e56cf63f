import { describe, expect, it } from "@effect/vitest"
import { Either, Encoding, Schema } from "effect"
import * as fc from "fast-check"
import * as Cursor from "../../../src/kernel/Cursor.js"
import { InvalidArgument } from "../../../src/kernel/Errors.js"
import { refusal } from "../../support/Refusals.js"

const ByTimeAndId = Schema.Tuple(Schema.Date, Schema.String)
const users = Cursor.codec("users", ByTimeAndId)
const names = Cursor.codec("names", Schema.String)
const aliceKey = [new Date("2024-05-01T10:00:00.000Z"), "alice-id"] as const

/** A hand-made cursor: the envelope a client could build, right or wrong. */
const forge = (json: unknown) => Encoding.encodeBase64Url(JSON.stringify(json))

describe("Cursor.codec", () => {
  it("round-trips a (Date, String) key, the Date through its ISO string", () => {
    const decoded = Either.getOrThrow(users.decode(users.encode(aliceKey), "after"))
    expect(decoded[0]).toBeInstanceOf(Date)
    expect(decoded).toEqual(aliceKey)
  })

  it("round-trips a String key", () => {
    expect(Either.getOrThrow(names.decode(names.encode("Ada Lovelace"), "before"))).toBe("Ada Lovelace")
  })

  it("round-trips a key through its schema's encoding, which JSON alone could not carry", () => {
    const ledger = Cursor.codec("ledger", Schema.BigInt)
    const big = 2n ** 62n + 1n
    expect(Either.getOrThrow(ledger.decode(ledger.encode(big), "after"))).toBe(big)
  })

  it("encodes a key always to the same cursor, and different keys to different cursors", () => {
    expect(users.encode(aliceKey)).toBe(users.encode([new Date(aliceKey[0].getTime()), "alice-id"]))
    expect(users.encode(aliceKey)).not.toBe(users.encode([aliceKey[0], "bob-id"]))
  })

  it("makes opaque cursors: unpadded base64url showing neither key nor list", () => {
    const cursor = users.encode(aliceKey)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    for (const visible of ["alice", "2024", "users"]) expect(cursor).not.toContain(visible)
  })

  it.each([
    ["characters outside base64url", "not a cursor!"],
    ["an empty string", ""],
    ["base64url of something not JSON", Encoding.encodeBase64Url("users:alice-id")],
    ["a JSON object instead of the envelope", forge({ list: "users", key: ["2024-05-01T10:00:00.000Z", "a"] })],
    ["an envelope without a key", forge(["users"])],
    ["an envelope whose list is not a string", forge([42, ["2024-05-01T10:00:00.000Z", "a"]])],
    ["a key of the wrong shape", forge(["users", "alice-id"])],
    ["a key with a date that is not a date", forge(["users", ["yesterday", "alice-id"]])],
    ["a key with a number for the id", forge(["users", ["2024-05-01T10:00:00.000Z", 7]])]
  ])("refuses %s as not a valid cursor, naming the argument", (_, cursor) => {
    expect(refusal(users.decode(cursor, "after"))).toEqual({ argument: "after", reason: "is not a valid cursor" })
    expect(refusal(users.decode(cursor, "before")).argument).toBe("before")
  })

  it("refuses a cursor of another list even when its key would fit", () => {
    const foreign = Cursor.codec("roles", ByTimeAndId).encode(aliceKey)
    const { argument, reason } = refusal(users.decode(foreign, "before"))
    expect(argument).toBe("before")
    expect(reason).toMatch(/another list/)
    expect(reason).toContain("users")
  })

  describe("keys no store could hold, as a forged cursor carries them", () => {
    const numbers = Cursor.codec("ledger", Schema.Struct({ seq: Schema.Number }))
    const big = Cursor.codec("ledger", Schema.BigInt)

    const cases: ReadonlyArray<readonly [string, Cursor.CursorCodec<unknown>["decode"], string]> = [
      ["a date after JavaScript's last", users.decode, forge(["users", ["+275761-01-01T00:00:00.000Z", "a"]])],
      ["a date JavaScript holds but PostgreSQL does not (before 4713 BC)", users.decode, forge(["users", ["-010000-01-01T00:00:00.000Z", "a"]])],
      ["a date in year 0, which PostgreSQL does not have", users.decode, forge(["users", ["0000-12-31T23:59:59.999Z", "a"]])],
      ["a date past year 9999, which ISO 8601 writes with a sign", users.decode, forge(["users", ["+010000-01-01T00:00:00.000Z", "a"]])],
      ["text holding U+0000, which PostgreSQL's text cannot", users.decode, forge(["users", ["2024-05-01T10:00:00.000Z", "a\u0000"]])],
      ["a string key holding U+0000", names.decode, forge(["names", "\u0000"])],
      ["an enormous number (Infinity once parsed)", numbers.decode, Encoding.encodeBase64Url('["ledger",{"seq":1e400}]')],
      ["a number past 2^53, which JavaScript holds inexactly", numbers.decode, forge(["ledger", { seq: 2 ** 64 }])],
      ["a fraction", numbers.decode, forge(["ledger", { seq: 1.5 }])],
      ["a bigint past PostgreSQL's bigint", big.decode, forge(["ledger", String(2n ** 63n)])],
      ["a key nested 10,000 levels deep", names.decode, Encoding.encodeBase64Url(`["names",${"[".repeat(10_000)}${"]".repeat(10_000)}]`)],
      ["an envelope nested 10,000 levels deep", names.decode, Encoding.encodeBase64Url(`${"[".repeat(10_000)}${"]".repeat(10_000)}`)],
      ["an envelope with a third element", names.decode, forge(["names", "a", "b"])]
    ]
    it.each(cases)("refuses %s as not a valid cursor", (_, decode, cursor) => {
      expect(refusal(decode(cursor, "after"))).toEqual({ argument: "after", reason: "is not a valid cursor" })
    })

    it("takes the first and last instants a key may name, and the largest bigint", () => {
      for (const at of ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
        expect(Either.getOrThrow(users.decode(forge(["users", [at, "a"]]), "after"))[0].toISOString()).toBe(at)
      }
      expect(Either.getOrThrow(big.decode(big.encode(2n ** 63n - 1n), "before"))).toBe(2n ** 63n - 1n)
    })

    it("refuses any date outside years 1 to 9999, and any text holding U+0000", () => {
      const outside = fc.oneof(
        fc.date({ max: new Date("0000-12-31T23:59:59.999Z"), noInvalidDate: true }),
        fc.date({ min: new Date("+010000-01-01T00:00:00.000Z"), noInvalidDate: true })
      )
      fc.assert(fc.property(outside, (at) => {
        expect(Either.isLeft(users.decode(users.encode([at, "a"]), "after"))).toBe(true)
      }))
      const withNul = fc.tuple(fc.string(), fc.string()).map(([before, after]) => `${before}\u0000${after}`)
      fc.assert(fc.property(withNul, (text) => {
        expect(Either.isLeft(names.decode(names.encode(text), "after"))).toBe(true)
      }))
    })
  })

  describe("properties", () => {
    // Lone surrogates included: JSON escapes them, so they must survive the UTF-8 round trip too.
    // U+0000 excluded: no row holds it (a key with it is refused, above).
    const anyText = fc.string({ unit: "binary" }).filter((text) => !text.includes("\u0000"))
    const anyInstant = fc.date({ min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })

    it("decode(encode(key)) is the key, for any string key a row could have", () => {
      fc.assert(fc.property(anyText, (key) => {
        expect(Either.getOrThrow(names.decode(names.encode(key), "after"))).toBe(key)
      }))
    })

    it("decode(encode(key)) is the key, for any (Date, String) key a row could have", () => {
      fc.assert(fc.property(anyInstant, anyText, (at, id) => {
        expect(Either.getOrThrow(users.decode(users.encode([at, id]), "after"))).toEqual([at, id])
      }))
    })

    it("decodes any string to a valid key or refuses it with InvalidArgument, never throwing", () => {
      // Raw strings rarely get past base64url; forged envelopes reach the JSON and key checks.
      const anyCursor = fc.oneof(
        anyText,
        fc.base64String().map((text) => text.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")),
        fc.jsonValue().map(forge),
        fc.tuple(fc.constantFrom("users", "roles"), fc.jsonValue()).map(forge),
        fc.tuple(fc.constant("users"), fc.tuple(fc.string(), fc.jsonValue())).map(forge)
      )
      fc.assert(fc.property(anyCursor, (cursor) => {
        Either.match(users.decode(cursor, "after"), {
          onLeft: (error) => {
            expect(error).toBeInstanceOf(InvalidArgument)
            expect(error.argument).toBe("after")
            expect(error.reason).toMatch(/^is (not a valid cursor|a cursor of another list)/)
          },
          onRight: (key) => expect(Schema.is(ByTimeAndId)(key)).toBe(true)
        })
      }))
    })
  })
})
