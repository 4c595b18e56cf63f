/**
 * Headless Chromium for browser tests: Debian's `chromium` (nothing downloaded) driven by
 * playwright-core, with every feature that would call out switched off (the machine may be offline).
 * Playwright's `launch` gives each browser a fresh temporary profile and removes it on close.
 *
 *   describe.skipIf(Browser.skip)(Browser.suiteName("GraphiQL in a browser"), () => { … Browser.page … })
 */
import { Context, Data, Effect, Layer, type Scope } from "effect"
import * as Fs from "node:fs"
import { chromium, type Page } from "playwright-core"

export const executablePath = "/usr/bin/chromium"

/** Why browser tests cannot run here; undefined when they can. */
export const unavailable: string | undefined = Fs.existsSync(executablePath)
  ? undefined
  : `${executablePath} not found (apt-get install chromium)`

/**
 * Skipped without chromium, except in CI: there the suite runs and fails on the missing browser, so
 * CI cannot pass without ever running these tests. (CI is the one variable read here: it is about the
 * machine, not the server.)
 */
export const skip = unavailable !== undefined && process.env["CI"] !== "true"

/** The suite's name, or the reason it is skipped, so the report says why. */
export const suiteName = (name: string) => (skip ? `${unavailable}: browser tests skipped` : name)

export class BrowserFailed extends Data.TaggedError("BrowserFailed")<{ readonly reason: string }> {
  override get message() {
    return `headless chromium: ${this.reason}`
  }
}

export class Browser extends Context.Tag("test/Browser")<Browser, {
  /** A page in a fresh context (no cookies, no storage), closed with the scope. */
  readonly page: Effect.Effect<Page, BrowserFailed, Scope.Scope>
}>() {}

const args = [
  "--headless",
  "--no-sandbox", // as root in a container there is no user namespace for the sandbox
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

const attempt = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (error) => new BrowserFailed({ reason: `${what}: ${error instanceof Error ? error.message : String(error)}` }) })

export const layer: Layer.Layer<Browser, BrowserFailed> = Layer.scoped(Browser, Effect.gen(function*() {
  if (unavailable !== undefined) return yield* new BrowserFailed({ reason: unavailable })
  const browser = yield* Effect.acquireRelease(
    attempt("launch", () => chromium.launch({ executablePath, headless: true, args, timeout: 30_000 })),
    (browser) => Effect.promise(() => browser.close())
  )
  return {
    page: Effect.acquireRelease(
      attempt("new context", () => browser.newContext()),
      (context) => Effect.promise(() => context.close())
    ).pipe(Effect.flatMap((context) => attempt("new page", () => context.newPage())))
  }
}))
