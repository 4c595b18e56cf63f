import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as IpAddress from "../../../src/kernel/IpAddress.js"
import * as ProxyTrust from "../../../src/kernel/ProxyTrust.js"

const trust = (text: string) => Either.getOrThrow(ProxyTrust.parse(text))

describe("ProxyTrust", () => {
  it("reads TRUST_PROXY as none, a hop count, or networks, and names what it cannot read", () => {
    expect(trust("")).toEqual(ProxyTrust.none)
    expect(trust("false")).toEqual(ProxyTrust.none)
    expect(trust("2")).toEqual({ _tag: "Hops", hops: 2 })
    expect(trust("10.0.0.0/8, ::1, fd00::/8")).toEqual({ _tag: "Networks", networks: ["10.0.0.0/8", "::1", "fd00::/8"] })
    expect(ProxyTrust.parse("10.0.0.0/33, loopback")).toEqual(Either.left("not a hop count, address or CIDR network: 10.0.0.0/33, loopback"))
  })

  it("without trust, the socket's peer is the client whatever X-Forwarded-For says", () => {
    const resolve = ProxyTrust.resolver(ProxyTrust.none)
    expect(resolve("::ffff:127.0.0.1", "203.0.113.9")).toBe("127.0.0.1")
  })

  it("with one trusted hop, the entry the proxy appended names the client, not what the client forged before it", () => {
    const resolve = ProxyTrust.resolver(trust("1"))
    expect(resolve("10.0.0.2", "198.51.100.7, 203.0.113.9")).toBe("203.0.113.9")
    expect(resolve("10.0.0.2", undefined)).toBe("10.0.0.2")
  })

  it("with trusted networks, walks back past every proxy inside them and stops at the first address outside", () => {
    const resolve = ProxyTrust.resolver(trust("10.0.0.0/8"))
    expect(resolve("10.0.0.2", "198.51.100.7, 203.0.113.9, 10.1.1.1")).toBe("203.0.113.9")
    // A peer outside the networks is the client, whatever it claims.
    expect(resolve("192.0.2.1", "203.0.113.9")).toBe("192.0.2.1")
  })

  it("stops at an entry that is not an address", () => {
    expect(ProxyTrust.resolver(trust("2"))("10.0.0.2", "198.51.100.7, not-an-ip")).toBe("10.0.0.2")
  })
})

describe("IpAddress.limitKey", () => {
  it("counts an IPv4 client by its address and an IPv6 client by its /64", () => {
    expect(IpAddress.limitKey("203.0.113.9")).toBe("203.0.113.9")
    expect(IpAddress.limitKey("2001:db8:0:1::7")).toBe("2001:db8:0:1::/64")
    expect(IpAddress.limitKey("2001:db8:0:1:ffff:1:2:3")).toBe("2001:db8:0:1::/64")
    expect(IpAddress.limitKey("::1")).toBe("0:0:0:0::/64")
  })
})
