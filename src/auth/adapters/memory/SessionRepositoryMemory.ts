import { Effect, Layer, Option } from "effect"
import type { SessionId } from "../../domain/Ids.js"
import * as Session from "../../domain/Session.js"
import { SessionRepository } from "../../ports/SessionRepository.js"

export const layer: Layer.Layer<SessionRepository> = Layer.sync(SessionRepository, () => {
  const sessions = new Map<SessionId, Session.Session>()
  const tokens = new Map<string, Session.RefreshToken>()
  const revokeWhere = (matches: (session: Session.Session) => boolean, at: Date, reason: Session.RevocationReason) =>
    Effect.sync(() => {
      for (const session of sessions.values()) if (matches(session)) sessions.set(session.id, Session.revoke(session, at, reason))
    })
  return SessionRepository.of({
    start: (session, token) =>
      Effect.sync(() => {
        sessions.set(session.id, session)
        tokens.set(token.tokenHash, token)
      }),
    byId: (id) => Effect.sync(() => Option.fromNullable(sessions.get(id))),
    tokenByHash: (hash) => Effect.sync(() => Option.fromNullable(tokens.get(hash))),
    rotate: ({ next, session, spent }) =>
      Effect.sync(() => {
        if (tokens.get(spent.tokenHash)?.usedAt !== null) return false
        tokens.set(spent.tokenHash, spent)
        tokens.set(next.tokenHash, next)
        const current = sessions.get(session.id)
        if (current !== undefined) sessions.set(session.id, { ...current, expiresAt: session.expiresAt })
        for (const token of tokens.values()) {
          if (token.sessionId === session.id && token.expiresAt.getTime() <= next.issuedAt.getTime()) tokens.delete(token.tokenHash)
        }
        return true
      }),
    revoke: (id, at, reason) => revokeWhere((session) => session.id === id, at, reason),
    revokeAllOf: (userId, at, reason) => revokeWhere((session) => session.userId === userId, at, reason),
    removeExpired: (userId, now) =>
      Effect.sync(() => {
        for (const session of sessions.values()) {
          if (session.userId !== userId || session.expiresAt.getTime() > now.getTime()) continue
          sessions.delete(session.id)
          for (const token of tokens.values()) if (token.sessionId === session.id) tokens.delete(token.tokenHash)
        }
      })
  })
})
