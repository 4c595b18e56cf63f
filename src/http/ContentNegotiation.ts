/**
 * Accept-header negotiation (RFC 9110 §12.5.1), only as far as the server needs it: does a request
 * want a page or a GraphQL answer? Pure.
 */

interface Range {
  readonly type: string
  readonly subtype: string
  readonly quality: number
}

const parseRange = (part: string): Range | undefined => {
  const [mediaRange = "", ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase())
  const [type, subtype] = mediaRange.split("/")
  if (type === undefined || type === "" || subtype === undefined || subtype === "") return undefined
  const q = parameters.find((parameter) => parameter.startsWith("q="))
  const quality = q === undefined ? 1 : Number(q.slice(2))
  return Number.isFinite(quality) ? { type, subtype, quality: Math.min(Math.max(quality, 0), 1) } : undefined
}

/** The most specific range wins: `text/html` over `text/*` over `*\/*`. */
const specificity = (range: Range, type: string, subtype: string) =>
  range.type === type && range.subtype === subtype ? 3
  : range.type === type && range.subtype === "*" ? 2
  : range.type === "*" && range.subtype === "*" ? 1
  : 0

/** How much the client wants `mediaType` (0 to 1); a request without Accept takes anything. */
export const quality = (accept: string | undefined, mediaType: string): number => {
  if (accept === undefined || accept.trim() === "") return 1
  const [type = "", subtype = ""] = mediaType.toLowerCase().split("/")
  let best: { readonly specificity: number; readonly quality: number } = { specificity: 0, quality: 0 }
  for (const range of accept.split(",").map(parseRange)) {
    if (range === undefined) continue
    const score = specificity(range, type, subtype)
    if (score > best.specificity) best = { specificity: score, quality: range.quality }
  }
  return best.quality
}

/**
 * A browser navigation (`text/html,…,*\/*;q=0.8`) rather than an API client: HTML is wanted, and
 * strictly more than every JSON type. `*\/*` alone (curl) is not a browser.
 */
export const prefersHtml = (accept: string | undefined): boolean => {
  const html = quality(accept, "text/html")
  return html > 0 && html > Math.max(quality(accept, "application/json"), quality(accept, "application/graphql-response+json"))
}
