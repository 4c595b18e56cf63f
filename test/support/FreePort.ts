/**
 * A TCP port nobody listens on right now, for a process a test starts itself (it cannot be told to
 * pick port 0 and report it back). Racy in principle; in practice the kernel does not hand the same
 * ephemeral port out again at once.
 */
import { Effect } from "effect"
import * as Net from "node:net"

export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const probe = Net.createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as Net.AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})
