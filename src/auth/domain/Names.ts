import { Either } from "effect"
import { InvalidInput } from "./Errors.js"

/** A display name (of a user or a role): trimmed, 1-128 characters. */
export const checkName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= 128
    ? Either.right(trimmed)
    : Either.left(new InvalidInput({ field: "name", reason: "must be 1-128 characters" }))
}
