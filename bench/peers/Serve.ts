/**
 * What every peer server process shares: where to listen (HOST, PORT), its database (Store.ts) and
 * the resolvers (Api.ts). The benchmark starts each peer as its own process, like ours.
 */
import { makeResolvers, tokenSettings } from "./Api.js"
import * as Store from "./Store.js"

export const address = () => ({ host: process.env["HOST"] ?? "127.0.0.1", port: Number(process.env["PORT"] ?? "0") })

export const start = async () => {
  const store = await Store.fromEnvironment()
  const tokens = tokenSettings()
  const resolvers = await makeResolvers(store, tokens)
  // The benchmark stops peers with SIGTERM; PGlite's copy is thrown away, so closing is a courtesy.
  process.once("SIGTERM", () => void store.close().finally(() => process.exit(0)))
  return { store, tokens, resolvers }
}
