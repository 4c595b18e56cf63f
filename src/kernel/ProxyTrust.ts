/**
 * Which proxies' X-Forwarded-For to believe. A client can send the header itself, so it names the
 * client only where a trusted proxy wrote it: each proxy appends the address it received the request
 * from, and the rightmost entries are the ones written by proxies in front of this server.
 */
import { Either } from "effect"
import { BlockList, isIP } from "node:net"
import { normalize } from "./IpAddress.js"

export type ProxyTrust =
  /** The socket's peer is the client; X-Forwarded-For is ignored. */
  | { readonly _tag: "None" }
  /** This many proxies stand in front of the server (a load balancer: 1). */
  | { readonly _tag: "Hops"; readonly hops: number }
  /** Peers inside these networks are proxies, however many of them a request passed. */
  | { readonly _tag: "Networks"; readonly networks: ReadonlyArray<string> }

export const none: ProxyTrust = { _tag: "None" }

const network = /^([^/]+)(?:\/(\d{1,3}))?$/

/** TRUST_PROXY: empty or `false` (none), a hop count, or comma-separated addresses and CIDR networks. */
export const parse = (text: string): Either.Either<ProxyTrust, string> => {
  const trimmed = text.trim()
  if (trimmed === "" || trimmed === "false" || trimmed === "0") return Either.right(none)
  if (/^\d+$/.test(trimmed)) return Either.right({ _tag: "Hops", hops: Number(trimmed) })
  const networks = trimmed.split(",").map((entry) => entry.trim())
  const invalid = networks.filter((entry) => {
    const [, address = "", prefix] = network.exec(entry) ?? []
    const family = isIP(address)
    return family === 0 || (prefix !== undefined && Number(prefix) > (family === 4 ? 32 : 128))
  })
  return invalid.length === 0
    ? Either.right({ _tag: "Networks", networks })
    : Either.left(`not a hop count, address or CIDR network: ${invalid.join(", ")}`)
}

const blockListOf = (networks: ReadonlyArray<string>): BlockList => {
  const list = new BlockList()
  for (const entry of networks) {
    const [, address = "", prefix] = network.exec(entry) ?? []
    const family = isIP(address) === 4 ? "ipv4" : "ipv6"
    if (prefix === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(prefix), family)
  }
  return list
}

/**
 * Makes the function from a request's peer address and X-Forwarded-For header to its client's
 * address. It walks from the peer towards the client, one header entry per trusted hop, and stops
 * at the first hop it does not trust, or at an entry that is not an address (forged or mangled).
 */
export const resolver = (trust: ProxyTrust) => {
  const list = trust._tag === "Networks" ? blockListOf(trust.networks) : undefined
  const trusted = (address: string, hop: number): boolean => {
    switch (trust._tag) {
      case "None":
        return false
      case "Hops":
        return hop < trust.hops
      case "Networks":
        return list!.check(address, isIP(address) === 4 ? "ipv4" : "ipv6")
    }
  }
  return (peer: string | undefined, forwardedFor: string | undefined): string | undefined => {
    let client = peer === undefined ? undefined : normalize(peer)
    if (client === undefined || forwardedFor === undefined) return client
    const hops = forwardedFor.split(",").reverse()
    for (let hop = 0; hop < hops.length && trusted(client, hop); hop++) {
      const next = normalize(hops[hop]!)
      if (next === undefined) break
      client = next
    }
    return client
  }
}
