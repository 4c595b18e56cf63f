/**
 * METRICS_TOKEN, the operator's bearer secret: it opens /metrics and the details of /readyz.
 * Compared as digests, in constant time: the answer must not tell how much of a guess was right.
 */
import { Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"

const digest = (text: string) => createHash("sha256").update(text).digest()

/** The Authorization header is `Bearer <token>`. */
export const presented = (token: Redacted.Redacted, authorization: string | undefined): boolean =>
  timingSafeEqual(digest(`Bearer ${Redacted.value(token)}`), digest(authorization ?? ""))
