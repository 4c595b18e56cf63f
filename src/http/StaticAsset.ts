/**
 * A file read once at start and served from memory under a path that carries a hash of its content,
 * so browsers may keep it for a year: new content gets a new path (the page links the current one).
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"

export interface StaticAsset {
  /** `<prefix>/<name>.<hash>.<extension>` */
  readonly path: `/${string}`
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
}

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8"
}

/** Reads `file` (a .js or .css file); a missing file is a defect: the installation is broken. */
export const read = (prefix: `/${string}`, file: string): Effect.Effect<StaticAsset> =>
  Effect.sync(() => {
    const extension = Path.extname(file)
    const contentType = contentTypes[extension]
    if (contentType === undefined) throw new Error(`no content type for ${file}`)
    const body = Fs.readFileSync(file)
    const hash = createHash("sha256").update(body).digest("base64url").slice(0, 16)
    return { path: `${prefix}/${Path.basename(file, extension)}.${hash}${extension}`, body, contentType, etag: `"${hash}"` }
  })

/** The asset, or 304 when the browser already holds this content. */
export const respond = (asset: StaticAsset) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const headers = { "cache-control": "public, max-age=31536000, immutable", etag: asset.etag }
    return request.headers["if-none-match"] === asset.etag
      ? HttpServerResponse.empty({ status: 304, headers })
      : HttpServerResponse.uint8Array(asset.body, { contentType: asset.contentType, headers })
  })
