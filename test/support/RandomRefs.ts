import { randomUUID } from "node:crypto"

/** Unique names, so tests sharing one database never collide. */
export const randomKey = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
export const uuid = () => randomUUID()
