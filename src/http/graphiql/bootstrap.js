// Starts GraphiQL (graphiql's UMD bundle on React 18's UMD globals) against the endpoint that served
// the page. A file of its own, not an inline script, so the page's policy can stay `script-src 'self'`.
"use strict"
{
  // GraphiQL's dialogs add <style> elements with this nonce, which the page's policy lets apply.
  window.__webpack_nonce__ = document.currentScript.nonce

  const fetcher = GraphiQL.createFetcher({
    url: location.pathname,
    // The server answers plain JSON; no multipart (incremental delivery) negotiation.
    enableIncrementalDelivery: false
  })

  const defaultQuery = `# Sign in: run this mutation with your password, copy token.value, and put
# {"Authorization": "Bearer <token>"} in Headers below. Then: { me { accessKey } }
mutation SignIn {
  authenticate(command: { accessKey: "admin", password: "" }) {
    token { value }
  }
}
`

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery,
      defaultEditorToolsVisibility: "headers",
      // Tokens stay out of localStorage.
      shouldPersistHeaders: false
    })
  )
}
