/**
 * A bounded least-recently-used map from a query's text to its parsed and validated document.
 * Clients send the same few query texts again and again; parsing and validating one (graphql-js's
 * rules plus the query limits' visitors) costs more than executing it, so a hit skips both. Only
 * valid documents go in, so every refusal is still made, answered and logged on each request.
 */
import type { DocumentNode } from "./GraphQLJs.js"

export interface DocumentCacheSettings {
  /** Documents kept; 0 turns the cache off. */
  readonly entries: number
  /** Longer query texts are parsed and validated every time, so the cache's memory stays bounded. */
  readonly maxChars: number
}

export interface DocumentCache {
  readonly get: (query: string) => DocumentNode | undefined
  readonly set: (query: string, document: DocumentNode) => void
}

export const make = (settings: DocumentCacheSettings): DocumentCache => {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const documents = new Map<string, DocumentNode>()
  return {
    get: (query) => {
      const document = documents.get(query)
      if (document !== undefined) {
        documents.delete(query)
        documents.set(query, document)
      }
      return document
    },
    set: (query, document) => {
      if (settings.entries === 0 || query.length > settings.maxChars) return
      documents.set(query, document)
      if (documents.size > settings.entries) documents.delete(documents.keys().next().value!)
    }
  }
}
