/**
 * Sessions and their refresh tokens. A sign-in starts a session; each refresh spends its token and
 * hands out the next one of the same family. A spent token shown again means two parties hold the
 * family (a thief and the user): the whole session is revoked, every token of it with it (OAuth 2.0
 * Security BCP, RFC 9700 §4.14.2). Only SHA-256 hashes of the opaque tokens are kept.
 */
import type { SessionId, UserId } from "./Ids.js"

export type RevocationReason = "logout" | "refresh-token-reused" | "password-changed"

export interface Session {
  readonly id: SessionId
  readonly userId: UserId
  readonly createdAt: Date
  /** When its newest refresh token expires: each refresh pushes it out by the refresh token lifetime. */
  readonly expiresAt: Date
  readonly revokedAt: Date | null
  readonly revokedReason: RevocationReason | null
}

export interface RefreshToken {
  readonly tokenHash: string
  readonly sessionId: SessionId
  readonly issuedAt: Date
  readonly expiresAt: Date
  readonly usedAt: Date | null
}

const refreshToken = (sessionId: SessionId, tokenHash: string, now: Date, ttlMillis: number): RefreshToken => ({
  tokenHash,
  sessionId,
  issuedAt: now,
  expiresAt: new Date(now.getTime() + ttlMillis),
  usedAt: null
})

export const start = (input: {
  readonly id: SessionId
  readonly userId: UserId
  readonly tokenHash: string
  readonly now: Date
  readonly ttlMillis: number
}): { readonly session: Session; readonly token: RefreshToken } => {
  const token = refreshToken(input.id, input.tokenHash, input.now, input.ttlMillis)
  return {
    session: { id: input.id, userId: input.userId, createdAt: input.now, expiresAt: token.expiresAt, revokedAt: null, revokedReason: null },
    token
  }
}

/** Not revoked and not past its newest refresh token: its access tokens still count. */
export const isLive = (session: Session, now: Date): boolean => session.revokedAt === null && now.getTime() < session.expiresAt.getTime()

/** What presenting `token` of `session` leads to. */
export type Redemption =
  | { readonly _tag: "Rotate"; readonly spent: RefreshToken; readonly next: RefreshToken; readonly session: Session }
  | { readonly _tag: "Reused" }
  | { readonly _tag: "Refused" }

export const redeem = (session: Session, token: RefreshToken, next: { readonly tokenHash: string; readonly now: Date; readonly ttlMillis: number }): Redemption => {
  if (token.sessionId !== session.id || session.revokedAt !== null) return { _tag: "Refused" }
  // Checked before expiry: a spent token is evidence of theft whenever it comes back.
  if (token.usedAt !== null) return { _tag: "Reused" }
  if (next.now.getTime() >= token.expiresAt.getTime()) return { _tag: "Refused" }
  const following = refreshToken(session.id, next.tokenHash, next.now, next.ttlMillis)
  return { _tag: "Rotate", spent: { ...token, usedAt: next.now }, next: following, session: { ...session, expiresAt: following.expiresAt } }
}

/** Revoking twice keeps the first instant and reason. */
export const revoke = (session: Session, now: Date, reason: RevocationReason): Session =>
  session.revokedAt === null ? { ...session, revokedAt: now, revokedReason: reason } : session
