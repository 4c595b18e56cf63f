/** A list of strings as one bound parameter (a JSON array), however long: `x IN (SELECT json_array_elements_text(...))`. */
export const textList = (values: ReadonlyArray<string>) => JSON.stringify(values)
