import { Either } from "effect"
import { InvalidToken } from "./Errors.js"
import type { UserId } from "./Ids.js"
import type { User } from "./User.js"

/** A single-use password-reset token; only a hash of the secret mailed to the user is kept. */
export interface ResetToken {
  readonly tokenHash: string
  readonly userId: UserId
  readonly issuedAt: Date
  readonly expiresAt: Date
  readonly usedAt: Date | null
}

export const issue = (input: {
  readonly tokenHash: string
  readonly userId: UserId
  readonly now: Date
  readonly ttlMillis: number
}): ResetToken => ({
  tokenHash: input.tokenHash,
  userId: input.userId,
  issuedAt: input.now,
  expiresAt: new Date(input.now.getTime() + input.ttlMillis),
  usedAt: null
})

/**
 * Spends the token for `user`: it must belong to them, be unused, unexpired, and newer than their
 * last password change (a change invalidates every token issued before it).
 */
export const redeem = (token: ResetToken, user: User, now: Date): Either.Either<ResetToken, InvalidToken> =>
  token.userId === user.id &&
    token.usedAt === null &&
    now.getTime() < token.expiresAt.getTime() &&
    token.issuedAt.getTime() >= user.passwordChangedAt.getTime()
    ? Either.right({ ...token, usedAt: now })
    : Either.left(new InvalidToken())
