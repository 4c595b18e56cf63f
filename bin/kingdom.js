#!/usr/bin/env node
// `npx kingdom`: the operator's command line (src/cli/main.ts). The sources are TypeScript, run by
// tsx as `npm start` runs the server: tsx's loader is registered here, resolved from this file's own
// node_modules (not the caller's working directory), and then the entry point is imported.
import { register } from "tsx/esm/api"

register()
await import("../src/cli/main.ts")
