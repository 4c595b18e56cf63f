/**
 * The answers /graphql gives requests that never reach graphql-js: an Accept it cannot satisfy, a
 * method or content type it does not take, a body too large or not a GraphQL-over-HTTP request. Each
 * is a GraphQL response (`{ errors: [...] }`, code BAD_REQUEST) in the media type the client asked for,
 * so every answer of the endpoint parses the same way. Pure.
 */
import type { Response } from "graphql-http"
import * as ErrorCodes from "../graphql/ErrorCodes.js"
import type { GraphQLError } from "../graphql/GraphQLJs.js"
import { quality } from "./ContentNegotiation.js"

export type MediaType = "application/graphql-response+json" | "application/json"

const graphqlResponse = "application/graphql-response+json"

/**
 * The media type of the answer, by the client's Accept (q-values honoured): the GraphQL response type
 * when it is wanted more, or as much and named; application/json otherwise, also for `*\/*` and no
 * Accept (the spec's default for legacy clients). None: the client takes neither (406).
 */
export const negotiate = (accept: string | undefined): MediaType | undefined => {
  const graphql = quality(accept, graphqlResponse)
  const json = quality(accept, "application/json")
  if (graphql === 0 && json === 0) return undefined
  const named = accept !== undefined && accept.toLowerCase().includes(graphqlResponse)
  return graphql > json || (graphql === json && named) ? graphqlResponse : "application/json"
}

/** The status of a response with errors and no data: the spec's 400, except for legacy application/json clients (200). */
export const requestErrorStatus = (mediaType: MediaType) => mediaType === graphqlResponse ? 400 : 200

/** A GraphQL response of these errors, in graphql-http's shape, so the route answers it like any other. */
export const answer = (
  status: number,
  mediaType: MediaType,
  errors: ReadonlyArray<GraphQLError>,
  headers: Record<string, string> = {}
): Response => [
  JSON.stringify({ errors }),
  { status, statusText: "", headers: { ...headers, "content-type": `${mediaType}; charset=utf-8` } }
]

/** A refusal of the HTTP request itself, with the request's id. */
export const refuse = (
  status: number,
  mediaType: MediaType,
  requestId: string,
  message: string,
  headers: Record<string, string> = {}
): Response => answer(status, mediaType, [ErrorCodes.withRequestId(ErrorCodes.refusal("request", message), requestId)], headers)

/** graphql-http's terse reasons for refusing request parameters, said so a client knows what to fix. */
const clearer: Readonly<Record<string, string>> = {
  "Missing body": "The request has no body: POST a JSON object with a \"query\"",
  "Unparsable JSON body": "The request body is not valid JSON",
  "JSON body must be an object": "The request body must be a JSON object with a \"query\"",
  "Missing query": "\"query\" is missing",
  "Invalid query": "\"query\" must be a string",
  "Invalid variables": "\"variables\" must be a JSON object",
  "Invalid operationName": "\"operationName\" must be a string",
  "Invalid extensions": "\"extensions\" must be a JSON object",
  "Unparsable URL": "\"variables\" or \"extensions\" in the URL is not valid JSON"
}

export const parameterMessage = (reason: string) => clearer[reason] ?? reason

/** What graphql-http answers with an empty body, said in one: a method it does not take, or a content type. */
export const emptyAnswerMessage = (status: number, method: string) =>
  status === 405
    ? `${method} is not allowed: POST a GraphQL request, or GET a query`
    : status === 415
    ? "Unsupported Content-Type: send the request body as application/json (UTF-8)"
    : "The request could not be handled"

export const batchRefused = "Batched requests (a JSON array) are not supported: send one JSON object with a \"query\""

export const notAcceptable = "Not acceptable: this endpoint answers application/graphql-response+json or application/json"

export const accepted = `${graphqlResponse}; charset=utf-8, application/json; charset=utf-8`
