/**
 * GraphiQL over plain HTTP: the page for browser navigations only, its files with their content types
 * and cache headers, its own Content-Security-Policy, and nothing of it when GRAPHIQL is off.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as GraphiQL from "../../src/http/GraphiQL.js"
import { TestServer } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"

const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(TestServer, ({ baseUrl }) =>
    Effect.promise(async () => {
      const response = await fetch(`${baseUrl}${path}`, { headers })
      return { status: response.status, headers: response.headers, body: await response.text() }
    }))

/** The page's links: stylesheets and scripts, in order. */
const links = (html: string) => ({
  styles: [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((match) => match[1]!),
  scripts: [...html.matchAll(/<script src="([^"]+)" nonce="([^"]+)" defer><\/script>/g)].map((match) => ({ src: match[1]!, nonce: match[2]! }))
})

const directives = (policy: string | null) =>
  new Map((policy ?? "").split(";").map((directive) => {
    const [name = "", ...values] = directive.trim().split(/\s+/)
    return [name, values] as const
  }))

describe("GraphiQL over HTTP, on", () => {
  layer(TestServerLayer.layer, { timeout: Duration.seconds(60) })((it) => {
    it.effect("a browser navigation gets the page under a policy of its own: scripts from this origin only, styles by nonce", () =>
      Effect.gen(function*() {
        const page = yield* get("/graphql", { accept: browserAccept })
        expect(page.status).toBe(200)
        expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
        expect(page.headers.get("vary")).toMatch(/accept/i)
        expect(page.headers.get("cache-control")).toBe("no-store")
        expect(page.headers.get("x-frame-options")).toBe("DENY")
        const policy = directives(page.headers.get("content-security-policy"))
        const { scripts, styles } = links(page.body)
        expect(scripts.map((script) => Path.basename(script.src).split(".")[0])).toEqual(["react", "react-dom", "graphiql", "bootstrap"])
        expect(styles).toHaveLength(2)
        expect(page.body).not.toMatch(/<script>|<style|style=|https?:\/\//)
        const nonce = scripts[0]!.nonce
        expect(scripts.every((script) => script.nonce === nonce)).toBe(true)
        expect(policy.get("default-src")).toEqual(["'none'"])
        expect(policy.get("script-src")).toEqual(["'self'"])
        expect(policy.get("style-src")).toEqual(["'self'", `'nonce-${nonce}'`])
        expect(policy.get("connect-src")).toEqual(["'self'"])
        expect(policy.get("frame-ancestors")).toEqual(["'none'"])
        // A nonce is only worth something if it changes with every page.
        expect(links((yield* get("/graphql", { accept: browserAccept })).body).scripts[0]!.nonce).not.toBe(nonce)
      }))

    it.effect("API clients on the same URL get GraphQL over HTTP as before, under the API's policy", () =>
      Effect.gen(function*() {
        for (const accept of ["application/graphql-response+json", "application/json", "*/*"]) {
          const response = yield* get(`/graphql?query=${encodeURIComponent("{ __typename }")}`, { accept })
          expect(response.status).toBe(200)
          expect(response.headers.get("content-type")).toMatch(/^application\/(graphql-response\+)?json/)
          expect(JSON.parse(response.body)).toEqual({ data: { __typename: "Query" } })
          expect(response.headers.get("content-security-policy")).toBe(apiPolicy)
        }
      }))

    it.effect("the page's files are served with their content types, an ETag and a year of caching", () =>
      Effect.gen(function*() {
        const { scripts, styles } = links((yield* get("/graphql", { accept: browserAccept })).body)
        const files = [...scripts.map((script) => [script.src, "text/javascript; charset=utf-8"] as const), ...styles.map((href) => [href, "text/css; charset=utf-8"] as const)]
        for (const [path, contentType] of files) {
          const asset = yield* get(path)
          expect(asset.status).toBe(200)
          expect(asset.headers.get("content-type")).toBe(contentType)
          expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
          expect(asset.headers.get("x-content-type-options")).toBe("nosniff")
          // A script or stylesheet is not a document: the API's load-nothing policy costs it nothing.
          expect(asset.headers.get("content-security-policy")).toBe(apiPolicy)
          const etag = asset.headers.get("etag")!
          expect(path).toContain(etag.replaceAll("\"", ""))
          expect((yield* get(path, { "if-none-match": etag })).status).toBe(304)
        }
        const react = Path.join(Path.dirname(createRequire(import.meta.url).resolve("react/package.json")), "umd/react.production.min.js")
        expect((yield* get(scripts[0]!.src)).body).toBe(Fs.readFileSync(react, "utf8"))
        expect((yield* get("/graphiql/react.production.min.js")).status).toBe(404)
      }))
  })
})

describe("GraphiQL over HTTP, off (GRAPHIQL=false)", () => {
  layer(TestServerLayer.make({ graphiql: false }), { timeout: Duration.seconds(60) })((it) => {
    it.effect("a browser gets what graphql-http answers, and the files are not there", () =>
      Effect.gen(function*() {
        const page = yield* get("/graphql", { accept: browserAccept })
        expect(page.headers.get("content-type")).not.toMatch(/html/)
        expect(page.status).toBe(400)
        expect(page.headers.get("content-security-policy")).toBe(apiPolicy)
        const assets = Option.getOrThrow(yield* GraphiQL.load(true))
        for (const asset of [...assets.scripts, ...assets.styles]) {
          expect((yield* get(asset.path)).status).toBe(404)
        }
      }))
  })
})
