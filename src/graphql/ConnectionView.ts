import type { Connection } from "../kernel/Connection.js"
import type { GraphQLContext } from "./Context.js"

/**
 * A kernel Connection as the source of a `…Connection` type: nodes shaped once and shared by `edges`
 * and `nodes`, and `totalCount` a method, which graphql-js's default resolver calls only when the
 * client selects the field, so a page that does not ask for it costs no count.
 */
export const connectionView = <A, B, R>(connection: Connection<A, R>, toNode: (row: A) => B) => {
  const nodes = connection.nodes.map(toNode)
  return {
    edges: connection.edges.map((edge, index) => ({ cursor: edge.cursor, node: nodes[index] })),
    nodes,
    pageInfo: connection.pageInfo,
    totalCount: (_args: unknown, context: GraphQLContext<R>) => context.run(connection.totalCount)
  }
}
