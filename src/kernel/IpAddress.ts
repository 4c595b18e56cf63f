/** Client addresses as rate limits see them: one spelling per address, and IPv6 clients by network. */
import { isIP } from "node:net"

/** The address in one spelling (lower case; an IPv4 client seen over IPv6 as plain IPv4), or undefined if it is none. */
export const normalize = (text: string): string | undefined => {
  const address = text.trim().toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1]
  if (mapped !== undefined && isIP(mapped) === 4) return mapped
  return isIP(address) === 0 ? undefined : address
}

/** The eight groups of an IPv6 address (an embedded IPv4 tail counts as the two it stands for). */
const groupsOf = (address: string): ReadonlyArray<string> => {
  const split = (part: string) => (part === "" ? [] : part.split(":")).flatMap((group) => (group.includes(".") ? ["v4", "v4"] : [group]))
  const [head = "", tail] = address.split("::")
  if (tail === undefined) return split(head)
  const left = split(head)
  const right = split(tail)
  return [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
}

/**
 * The key a client's address is counted under: an IPv4 address itself, an IPv6 address's /64 (one
 * subscriber gets a whole /64, so counting single IPv6 addresses would count nothing).
 */
export const limitKey = (address: string): string => {
  if (isIP(address) !== 6) return address
  return `${groupsOf(address).slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`
}
