/**
 * The block the server prints once it is up: where it listens, which database it uses and whether
 * its migrations are current, what happened to the administrator, and which optional parts are on.
 * People read it in development; production logs it as one JSON line with the same facts.
 */
import { Effect, Option, Redacted } from "effect"
import type { AdminOutcome } from "./auth/Bootstrap.js"
import type * as AppConfig from "./Config.js"
import type { Info } from "./database/DatabaseInfo.js"
import * as Readiness from "./observability/Readiness.js"

export interface Facts {
  readonly url: string
  readonly settings: AppConfig.ServerSettings
  readonly database: Info
  readonly migrations: Readiness.MigrationState
  readonly admin: AdminOutcome
}

/** scheme://host:port of a URL that may carry a password: never the credentials. */
const hostOf = (url: Redacted.Redacted) => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.protocol}//${parsed.host}`
  } catch {
    return "(unparseable URL)"
  }
}

const onOff = (on: boolean) => (on ? "on" : "off")

export const fields = ({ admin, database, migrations, settings, url }: Facts): ReadonlyArray<readonly [string, string]> => {
  const { mail, nats, observability, queryLimits, server } = settings
  return [
    ["GraphQL", `${url}${server.graphiql ? " (GraphiQL on for browsers)" : ""}`],
    ["Database", database.mode === "embedded" ? `embedded PGlite at ${database.description}` : `PostgreSQL at ${database.description}, pool of ${settings.database.poolMax}`],
    ["Migrations", migrations.missing.length === 0
      ? `${migrations.applied} applied, current`
      : `${migrations.missing.length} NOT APPLIED: ${migrations.missing.join(", ")} (${Readiness.migrationAdvice}); /readyz answers 503`],
    ["Administrator", `${settings.admin.accessKey}: ${admin}`],
    ["Events", Option.match(nats.url, { onNone: () => "handled in this process", onSome: (natsUrl) => `relayed to NATS at ${hostOf(natsUrl)} (stream ${nats.stream}); npm run worker handles them` })],
    ["Mail", Option.match(mail.smtpUrl, { onNone: () => "written to the log (no SMTP_URL)", onSome: (smtp) => `SMTP at ${hostOf(smtp)}` })],
    ["Metrics", observability.metrics ? `${url.replace(/\/graphql$/, "")}/metrics${Option.isSome(observability.metricsToken) ? " (METRICS_TOKEN required)" : ""}` : "off"],
    ["Tracing", Option.match(observability.otlpEndpoint, { onNone: () => "off (no OTEL_EXPORTER_OTLP_ENDPOINT)", onSome: (endpoint) => `OTLP to ${endpoint.origin}` })],
    ["Probes", "/healthz (alive), /readyz (database, migrations, NATS)"],
    ["Introspection", `${onOff(queryLimits.introspection)}, suggestions ${onOff(queryLimits.suggestions)} (${settings.environment})`]
  ]
}

export const block = (facts: Facts): string => {
  const rows = fields(facts)
  const width = Math.max(...rows.map(([name]) => name.length))
  return ["", "kingdom-server is up", ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`), ""].join("\n")
}

export const announce = (facts: Facts) =>
  facts.settings.environment === "production"
    ? Effect.logInfo("kingdom-server is up").pipe(Effect.annotateLogs(Object.fromEntries(fields(facts).map(([name, value]) => [`startup.${name.toLowerCase()}`, value]))))
    : Effect.sync(() => console.log(block(facts)))
