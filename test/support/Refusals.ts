import { expect } from "@effect/vitest"
import { Either } from "effect"
import { InvalidArgument } from "../../src/kernel/Errors.js"

/** The InvalidArgument a pure check failed with, as plain data for `toEqual`; throws when it succeeded. */
export const refusal = <A>(result: Either.Either<A, InvalidArgument>) => {
  const error = Either.getOrThrow(Either.flip(result))
  expect(error).toBeInstanceOf(InvalidArgument)
  return { argument: error.argument, reason: error.reason }
}
