import { Either, Encoding, Schema } from "effect"
import { InvalidArgument } from "./Errors.js"

/**
 * Opaque Relay cursors that carry a row's sort key, so a store can seek straight to it (keyset
 * paging). The list's name travels inside: a cursor taken from one list is refused by another.
 * Opaque is not secret: a cursor names only what the page it came from already showed.
 */
export interface CursorCodec<K> {
  readonly encode: (key: K) => string
  /** `argument` names the field argument the cursor came in (`after`, `before`) for the error. */
  readonly decode: (cursor: string, argument: string) => Either.Either<K, InvalidArgument>
}

const Envelope = Schema.parseJson(Schema.Tuple(Schema.String, Schema.Unknown))

// Years 1 to 9999: JavaScript's Date, PostgreSQL's timestamptz (no year 0, nothing before 4713 BC)
// and ISO 8601 without a sign (PGlite sends toISOString) all hold them.
const earliest = Date.parse("0001-01-01T00:00:00.000Z")
const latest = Date.parse("9999-12-31T23:59:59.999Z")
const int8 = 2n ** 63n

/**
 * Whether every store can hold `value` in a key column: text without U+0000 (PostgreSQL's text
 * cannot), integers JavaScript holds exactly (a bigint column takes them), bigints within a bigint
 * column's range, booleans, instants within [earliest, latest].
 */
const storableValue = (value: unknown): boolean => {
  switch (typeof value) {
    case "string":
      return !value.includes("\u0000")
    case "number":
      return Number.isSafeInteger(value)
    case "bigint":
      return value >= -int8 && value < int8
    case "boolean":
      return true
    default:
      return value instanceof Date && value.getTime() >= earliest && value.getTime() <= latest
  }
}

/** A sort key is one such value, or a flat struct or tuple of them: one per column. */
const storable = (key: unknown): boolean =>
  storableValue(key) ||
  (typeof key === "object" && key !== null && !(key instanceof Date) && Object.values(key).every(storableValue))

/**
 * Clients can forge cursors, so decoding checks more than the key's schema: a key no store could
 * hold (a date PostgreSQL cannot take, an enormous number, a NUL) is refused here, for every list,
 * as a bad argument, where SQL would have failed with an internal error.
 */
export const codec = <K, I>(list: string, key: Schema.Schema<K, I>): CursorCodec<K> => {
  const encodeKey = Schema.encodeSync(key)
  const decodeKey = Schema.decodeUnknownEither(key)
  const decodeEnvelope = Schema.decodeEither(Envelope)
  const refuse = (argument: string, reason: string) => new InvalidArgument({ argument, reason })
  const invalid = (argument: string) => refuse(argument, "is not a valid cursor")
  return {
    encode: (value) => Encoding.encodeBase64Url(JSON.stringify([list, encodeKey(value)])),
    decode: (cursor, argument) =>
      Encoding.decodeBase64UrlString(cursor).pipe(
        Either.flatMap(decodeEnvelope),
        Either.mapLeft(() => invalid(argument)),
        Either.flatMap(([owner, value]) =>
          owner !== list
            ? Either.left(refuse(argument, `is a cursor of another list, not of ${list}`))
            : decodeKey(value).pipe(
              Either.mapLeft(() => invalid(argument)),
              Either.filterOrLeft(storable, () => invalid(argument))
            )
        )
      )
  }
}
