/**
 * GraphiQL in a real browser (headless Chromium): the page loads from this server alone under its
 * Content-Security-Policy, signs in through the editor, and runs a query with the token in Headers.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import type { Locator, Page } from "playwright-core"
import * as Browser from "../support/Browser.js"
import { admin, TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

/** Everything the page reports that a user would call broken: errors, CSP refusals, failed loads. */
const watch = (page: Page) => {
  const problems: Array<string> = []
  const requests: Array<URL> = []
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`)
  })
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  page.on("requestfailed", (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`))
  page.on("request", (request) => requests.push(new URL(request.url())))
  return { problems, requests }
}

/** Replaces an editor's text as typing would (CodeMirror takes it through its input element). */
const typeInto = async (page: Page, editor: Locator, text: string) => {
  await editor.click()
  await page.keyboard.press("Control+A")
  await page.keyboard.insertText(text)
}

/**
 * Types the operation `name` into the query editor and runs it, once GraphiQL has taken it in (it
 * reads the operation name a moment after an edit: the tab shows it); answers the result pane's text
 * once `expected` shows in it.
 */
const run = async (page: Page, name: string, operation: string, expected: string) => {
  await typeInto(page, page.getByRole("region", { name: "Query Editor" }).locator(".CodeMirror"), operation)
  await page.locator(".graphiql-tab-active").getByTitle(name, { exact: true }).waitFor()
  await page.locator(".graphiql-execute-button").click()
  const result = page.getByRole("region", { name: "Result Window" })
  await result.locator(".CodeMirror-line", { hasText: expected }).first().waitFor()
  return result.innerText()
}

describe.skipIf(Browser.skip)(Browser.suiteName("GraphiQL in headless Chromium"), () => {
  layer(Layer.merge(TestServerLayer.layer, Browser.layer), { timeout: Duration.seconds(120) })((it) => {
    it.scoped("signs in through the editor and runs a query with the token, loading nothing from elsewhere", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* TestServer
        const page = yield* (yield* Browser.Browser).page
        const seen = watch(page)
        page.setDefaultTimeout(15_000)

        const answers = yield* Effect.promise(async () => {
          await page.goto(`${baseUrl}/graphql`)
          const headersEditor = page.getByRole("region", { name: "Headers" }).locator(".graphiql-editor:not(.hidden) .CodeMirror")

          const signedIn = await run(page, "LogIn",
            `mutation LogIn { authenticate(command: { accessKey: "${admin.accessKey}", password: "${admin.password}" }) { token { value } } }`,
            `"value"`)
          const token = /"value": "([^"]+)"/.exec(signedIn)?.[1]
          if (token === undefined) throw new Error(`no token in the result pane: ${signedIn}`)

          await typeInto(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }))
          const me = await run(page, "WhoAmI", "query WhoAmI { me { accessKey } }", `"accessKey"`)

          // Dialogs add <style> elements: the nonce must let them apply without a CSP refusal.
          await page.getByLabel("Open settings dialog").click()
          await page.getByRole("dialog").waitFor()
          const nonceStyles = await page.locator("style[nonce]").count()
          await page.keyboard.press("Escape")
          await page.getByRole("dialog").waitFor({ state: "detached" })
          return { me, nonceStyles }
        })

        expect(answers.me).toMatch(new RegExp(`"accessKey": "${admin.accessKey}"`))
        expect(answers.me).not.toMatch(/"errors"/)
        expect(answers.nonceStyles).toBeGreaterThan(0)
        expect(seen.problems).toEqual([])
        const origin = new URL(baseUrl)
        expect(seen.requests.length).toBeGreaterThan(0)
        expect(seen.requests.filter((url) => url.origin !== origin.origin).map(String)).toEqual([])
        expect(origin.hostname).toBe("127.0.0.1")
      }))
  })
})
