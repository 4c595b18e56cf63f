/**
 * GraphiQL, the in-browser IDE, at GET /graphql for browsers: graphiql's UMD bundle on React 18,
 * served from node_modules (no CDN, so it works offline) under a Content-Security-Policy of its own.
 * On by default outside production (GRAPHIQL).
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { randomBytes } from "node:crypto"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { prefersHtml } from "./ContentNegotiation.js"
import * as StaticAsset from "./StaticAsset.js"
import type { StaticAsset as Asset } from "./StaticAsset.js"

const assetPrefix = "/graphiql"

/** The loaded files, in the order the page links them. */
export interface Assets {
  readonly styles: ReadonlyArray<Asset>
  readonly scripts: ReadonlyArray<Asset>
}

const packageFile = (name: string, file: string) =>
  // graphiql's and react's `exports` hide their UMD files, but every package exports package.json.
  Path.join(Path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), file)

const ownFile = (file: string) => fileURLToPath(new URL(`./graphiql/${file}`, import.meta.url))

const read = Effect.suspend(() =>
  Effect.all({
    styles: Effect.forEach(
      [packageFile("graphiql", "graphiql.min.css"), ownFile("page.css")],
      (file) => StaticAsset.read(assetPrefix, file)
    ),
    scripts: Effect.forEach(
      [
        packageFile("react", "umd/react.production.min.js"),
        packageFile("react-dom", "umd/react-dom.production.min.js"),
        packageFile("graphiql", "graphiql.min.js"),
        ownFile("bootstrap.js")
      ],
      (file) => StaticAsset.read(assetPrefix, file)
    )
  }))

/** When on, reads and hashes the files once, at start; the page and its assets are served from memory. */
export const load = (enabled: boolean): Effect.Effect<Option.Option<Assets>> =>
  enabled ? Effect.asSome(read) : Effect.succeedNone

/**
 * Scripts only from this origin, none inline (no eval either); requests only to it. Styles from this
 * origin, plus the <style> elements GraphiQL's dialogs add (react-remove-scroll), which carry the
 * page's nonce. GraphiQL's stylesheet embeds its fonts and a few images as data: URLs.
 */
const contentSecurityPolicy = (nonce: string) => [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'nonce-${nonce}'`,
  "font-src data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

/** The scripts carry the nonce so that bootstrap.js can hand it to GraphiQL (`__webpack_nonce__`). */
const page = (graphiql: Assets, nonce: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kingdom-server · GraphiQL</title>
<link rel="icon" href="data:,">
${graphiql.styles.map((asset) => `<link rel="stylesheet" href="${asset.path}">`).join("\n")}
${graphiql.scripts.map((asset) => `<script src="${asset.path}" nonce="${nonce}" defer></script>`).join("\n")}
</head>
<body>
<div id="graphiql"></div>
</body>
</html>
`

/** A browser's GET (Accept prefers HTML): it gets the page, when GraphiQL is on; all else at /graphql is the API. */
export const wantsPage = (method: string | undefined, accept: string | undefined): boolean => method === "GET" && prefersHtml(accept)

const pageResponse = (graphiql: Assets) =>
  Effect.sync(() => {
    const nonce = randomBytes(16).toString("base64")
    return HttpServerResponse.text(page(graphiql, nonce), {
      contentType: "text/html; charset=utf-8",
      headers: {
        "content-security-policy": contentSecurityPolicy(nonce),
        // The same URL answers JSON to API clients.
        vary: "Accept",
        "cache-control": "no-store"
      }
    })
  })

/** The page at `pagePath` and its files; none when GraphiQL is off. */
export const routes = (graphiql: Option.Option<Assets>, pagePath: HttpRouter.PathInput): HttpRouter.HttpRouter =>
  Option.match(graphiql, {
    onNone: () => HttpRouter.empty,
    onSome: (loaded) =>
      [...loaded.styles, ...loaded.scripts].reduce(
        (router, asset) => HttpRouter.get(router, asset.path, StaticAsset.respond(asset)),
        HttpRouter.get(HttpRouter.empty, pagePath, pageResponse(loaded))
      )
  })
