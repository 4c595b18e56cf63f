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

export const codec = <K, I>(list: string, key: Schema.Schema<K, I>): CursorCodec<K> => {
  const encodeKey = Schema.encodeSync(key)
  const decodeKey = Schema.decodeUnknownEither(key)
  const decodeEnvelope = Schema.decodeEither(Envelope)
  const refuse = (argument: string, reason: string) => new InvalidArgument({ argument, reason })
  return {
    encode: (value) => Encoding.encodeBase64Url(JSON.stringify([list, encodeKey(value)])),
    decode: (cursor, argument) =>
      Encoding.decodeBase64UrlString(cursor).pipe(
        Either.flatMap(decodeEnvelope),
        Either.mapLeft(() => refuse(argument, "is not a valid cursor")),
        Either.flatMap(([owner, value]) =>
          owner !== list
            ? Either.left(refuse(argument, `is a cursor of another list, not of ${list}`))
            : Either.mapLeft(decodeKey(value), () => refuse(argument, "is not a valid cursor"))
        )
      )
  }
}
