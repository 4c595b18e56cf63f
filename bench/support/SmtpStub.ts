/**
 * An SMTP server that accepts everything and keeps nothing, on a free 127.0.0.1 port, for as long as
 * the scope is open: our server in production mode checks its SMTP login at start and refuses to
 * start without SMTP_URL. No benchmark operation sends mail.
 */
import { Effect, type Scope } from "effect"
import { SMTPServer } from "smtp-server"

export const start: Effect.Effect<string, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.async<SMTPServer>((resume) => {
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ["AUTH", "STARTTLS"],
        disableReverseLookup: true,
        closeTimeout: 10,
        logger: false,
        onData: (stream, _session, done) => {
          stream.resume()
          stream.on("end", () => done())
        }
      })
      server.on("error", () => undefined)
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
  ),
  (server) => {
    const address = server.server.address()
    return `smtp://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  }
)
