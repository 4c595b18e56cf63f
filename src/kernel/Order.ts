/**
 * A plain three-way string comparison. UTF-16 code-unit order equals the byte order SQL's `COLLATE "C"` gives
 * for every text without characters beyond U+FFFF, which covers the keys the lists sort on.
 */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
