/**
 * The floor for the framework's cost: node:http and graphql-js with nothing else. Each distinct query
 * text is parsed and validated once (an unbounded cache: the benchmark sends four), then executed.
 */
import { makeExecutableSchema } from "@graphql-tools/schema"
import { type DocumentNode, execute, GraphQLError, parse, validate } from "graphql"
import { createServer } from "node:http"
import { makeContext, typeDefs } from "./Api.js"
import * as Serve from "./Serve.js"

const { resolvers, store, tokens } = await Serve.start()
const schema = makeExecutableSchema({ typeDefs, resolvers: resolvers as never })
const documents = new Map<string, DocumentNode | ReadonlyArray<GraphQLError>>()

const documentOf = (query: string) => {
  let document = documents.get(query)
  if (document === undefined) {
    try {
      const parsed = parse(query)
      const errors = validate(schema, parsed)
      document = errors.length > 0 ? errors : parsed
    } catch (error) {
      document = [error instanceof GraphQLError ? error : new GraphQLError(String(error))]
    }
    documents.set(query, document)
  }
  return document
}

const send = (response: import("node:http").ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) })
  response.end(text)
}

const { host, port } = Serve.address()
createServer(async (request, response) => {
  if (request.method !== "POST" || !request.url?.startsWith("/graphql")) return send(response, 404, { error: "Not found" })
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  let body: { query?: string; variables?: Record<string, unknown>; operationName?: string }
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
  } catch {
    return send(response, 400, { errors: [{ message: "The body is not JSON" }] })
  }
  const document = documentOf(body.query ?? "")
  if (Array.isArray(document)) return send(response, 400, { errors: document })
  const result = await execute({
    schema,
    document: document as DocumentNode,
    variableValues: body.variables ?? null,
    operationName: body.operationName ?? null,
    contextValue: makeContext(store, tokens, request.headers.authorization)
  })
  send(response, 200, result)
}).listen(port, host)
