/**
 * The ceiling for this machine: node:http answering every request with a fixed body, read from
 * CEILING_BODIES (a JSON object of scenario → answer, our server's own answers) and picked by the
 * `fixed` query parameter. No GraphQL, no database: what HTTP over loopback alone costs here.
 */
import * as Fs from "node:fs"
import { createServer } from "node:http"

const bodies = new Map(Object.entries(JSON.parse(Fs.readFileSync(process.env["CEILING_BODIES"]!, "utf8")) as Record<string, string>)
  .map(([name, body]) => [name, Buffer.from(body)] as const))
const empty = Buffer.from("{}")
const headers = (body: Buffer) => ({ "content-type": "application/json; charset=utf-8", "content-length": body.length })

createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    const query = request.url?.indexOf("?fixed=") ?? -1
    const body = (query === -1 ? undefined : bodies.get(request.url!.slice(query + 7))) ?? empty
    response.writeHead(200, headers(body))
    response.end(body)
  })
}).listen(Number(process.env["PORT"] ?? "0"), process.env["HOST"] ?? "127.0.0.1")
