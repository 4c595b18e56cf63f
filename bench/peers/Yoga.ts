/** The graphql-yoga peer: Yoga's defaults (parse/validate cache, error masking), on node:http, no logging or GraphiQL. */
import { createSchema, createYoga } from "graphql-yoga"
import { createServer } from "node:http"
import { makeContext, typeDefs } from "./Api.js"
import * as Serve from "./Serve.js"

const { resolvers, store, tokens } = await Serve.start()
const yoga = createYoga({
  // graphql-tools' resolver map is typed loosely per field; Api.ts's resolvers are checked where they are written.
  schema: createSchema({ typeDefs, resolvers: resolvers as never }),
  context: ({ request }) => makeContext(store, tokens, request.headers.get("authorization")),
  graphiql: false,
  landingPage: false,
  logging: false
})
const { host, port } = Serve.address()
createServer(yoga).listen(port, host)
