import type { Effect } from "effect"
import type { Connection } from "../kernel/Connection.js"

/**
 * A kernel Connection as the source of a `…Connection` type: nodes shaped once and shared by `edges`
 * and `nodes`, and `totalCount` still an effect, run by the `totalCount` field resolver below only
 * when the client selects the field, so a page that does not ask for it costs no count.
 */
export const connectionView = <A, B, R>(connection: Connection<A, R>, toNode: (row: A) => B) => {
  const nodes = connection.nodes.map(toNode)
  return {
    edges: connection.edges.map((edge, index) => ({ cursor: edge.cursor, node: nodes[index] })),
    nodes,
    pageInfo: connection.pageInfo,
    totalCount: connection.totalCount
  }
}

/**
 * The resolver of every `…Connection` type's `totalCount`. A resolver, not a method on the view:
 * compiled documents (Compiled.ts) read fields without one as plain properties and call nothing.
 */
export const totalCount = <R>(view: { readonly totalCount: Effect.Effect<number, never, R> }) => view.totalCount

/** `totalCount` for each of a module's connection types, by type name (ModuleApi.types). */
export const totalCounts = <R>(...typeNames: ReadonlyArray<string>) =>
  Object.fromEntries(typeNames.map((name) => [name, { totalCount: totalCount<R> }]))
