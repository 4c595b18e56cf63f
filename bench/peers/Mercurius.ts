/** The Mercurius peer on Fastify: queries compiled by graphql-jit from their first run (`jit: 1`), Mercurius's query cache, no logger or GraphiQL. */
import Fastify from "fastify"
import mercurius from "mercurius"
import { makeContext, typeDefs } from "./Api.js"
import * as Serve from "./Serve.js"

const { resolvers, store, tokens } = await Serve.start()
const app = Fastify({ logger: false })
await app.register(mercurius, {
  schema: typeDefs,
  // Mercurius's resolver map is typed loosely per field; Api.ts's resolvers are checked where they are written.
  resolvers: resolvers as never,
  context: (request) => makeContext(store, tokens, request.headers.authorization),
  jit: 1,
  graphiql: false
})
await app.listen(Serve.address())
