/**
 * The root fields' side of the rate limits (Throttle.ts): the client's address comes from the
 * request, the account from the command, before the command is dispatched.
 */
import { Effect, type Redacted } from "effect"
import { ClientAddress } from "../../graphql/Context.js"
import * as Queries from "../Queries.js"
import { Throttle } from "../Throttle.js"

const withThrottle = Effect.all([Throttle, ClientAddress])

export const signIn = <A, E, R>(accessKey: string, attempt: Effect.Effect<A, E, R>) =>
  Effect.flatMap(withThrottle, ([throttle, address]) => throttle.signIn({ address, account: accessKey }, attempt))

export const resetPassword = <A, E, R>(accessKey: string, attempt: Effect.Effect<A, E, R>) =>
  Effect.flatMap(withThrottle, ([throttle, address]) => throttle.resetPassword({ address, account: accessKey }, attempt))

export const changePassword = <A, E, R>(token: Redacted.Redacted<string>, attempt: Effect.Effect<A, E, R>) =>
  Effect.flatMap(withThrottle, ([throttle, address]) => throttle.changePassword({ address, holder: Queries.resetTokenHolder(token) }, attempt))
