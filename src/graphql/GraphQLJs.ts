/**
 * graphql-js, imported by file so that there is exactly one instance of it in the process.
 *
 * graphql 16 ships CommonJS (`main`) and ESM (`module`) copies with no `exports` map. Node, and so
 * graphql-http, loads the CommonJS copy; bundler-style resolvers (vite, hence vitest) pick the ESM
 * copy for our sources. Two copies break graphql-js's `instanceof` checks ("Cannot use GraphQLSchema
 * from another module or realm") and graphql-http's error serialisation (extensions dropped).
 * Naming the CommonJS file resolves to the same copy everywhere. Import graphql from here only.
 */
export * from "graphql/index.js"
