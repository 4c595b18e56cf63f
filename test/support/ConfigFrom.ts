/** Configuration as the server reads it, from the given variables alone (none: every default). */
import { type Config, ConfigProvider, Effect } from "effect"

const providerOf = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))

/** The value, or the refusal the server would stop its start with. */
export const readConfig = <A>(config: Config.Config<A>, env: Record<string, string> = {}) =>
  Effect.either(Effect.withConfigProvider(config, providerOf(env)))

/** The defaults (NODE_ENV unset: development's); dies if a default were ever invalid. */
export const defaultsOf = <A>(config: Config.Config<A>): A => Effect.runSync(Effect.withConfigProvider(config, providerOf({})))
