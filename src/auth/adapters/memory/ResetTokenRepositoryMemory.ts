import { Effect, Layer, Option } from "effect"
import type { ResetToken } from "../../domain/PasswordReset.js"
import { ResetTokenRepository } from "../../ports/ResetTokenRepository.js"

export const layer: Layer.Layer<ResetTokenRepository> = Layer.sync(ResetTokenRepository, () => {
  const tokens = new Map<string, ResetToken>()
  return ResetTokenRepository.of({
    add: (token) => Effect.sync(() => void tokens.set(token.tokenHash, token)),
    byHash: (tokenHash) => Effect.sync(() => Option.fromNullable(tokens.get(tokenHash))),
    markUsed: (token) =>
      Effect.sync(() => {
        const current = tokens.get(token.tokenHash)
        if (current === undefined || current.usedAt !== null) return false
        tokens.set(token.tokenHash, { ...current, usedAt: token.usedAt })
        return true
      })
  })
})
