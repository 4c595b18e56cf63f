/**
 * Plain three-way comparisons. UTF-16 code-unit order equals the byte order SQL's `COLLATE "C"` gives
 * for every text without characters beyond U+FFFF, which covers the keys the lists sort on.
 */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const compareNumbers = (a: number, b: number): number => a - b
