/**
 * A bounded memo of a pure function of text: the same text gives the same value, the very object, so
 * what is derived from it can be memoised by identity in turn (WeakMap). The least recently used
 * entry goes first once `capacity` texts are held.
 */
export const make = <A>(capacity: number, derive: (text: string) => A) => {
  const held = new Map<string, A>()
  return (text: string): A => {
    const found = held.get(text)
    if (found !== undefined || held.has(text)) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
      held.delete(text)
      held.set(text, found as A)
      return found as A
    }
    const value = derive(text)
    if (held.size >= capacity) held.delete(held.keys().next().value as string)
    held.set(text, value)
    return value
  }
}
