import { Context } from "effect"

/**
 * Page sizes for every list: `defaultSize` when the client asks for neither `first` nor `last`, and
 * `max`, above which a request is refused (not clamped), so the client learns the rule.
 * Configurable (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE).
 */
export interface PageSizes {
  readonly defaultSize: number
  readonly max: number
}

export class PageSizeLimits extends Context.Reference<PageSizeLimits>()("kernel/PageSizeLimits", {
  defaultValue: (): PageSizes => ({ defaultSize: 20, max: 100 })
}) {}
