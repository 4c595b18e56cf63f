/**
 * Context.endSession, which `logout` calls once it has committed: the fields of the request still to
 * run find no caller (currentPrincipal fails Unauthenticated, callerAccess reaches nothing), without
 * reading the session again; another session's principal is untouched.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Grant from "../../../src/access/Grant.js"
import type { Principal } from "../../../src/access/Principal.js"
import { principalHolding } from "../../support/Principals.js"
import { callerAccess, currentPrincipal, endSession, RequestPrincipal } from "../../../src/graphql/Context.js"

const grants = [Grant.unconditional("user", "GET")]

const principal = (session: string): Principal => principalHolding(grants, session)

const as = (caller: Principal) => Effect.provideService(RequestPrincipal, Effect.succeed(Option.some(caller)))

describe("endSession", () => {
  it.effect("leaves the rest of the request without a caller, and other sessions signed in", () =>
    Effect.gen(function*() {
      const [ending, other] = [principal("00000000-0000-4000-8000-000000000002"), principal("00000000-0000-4000-8000-000000000003")]
      expect((yield* as(ending)(callerAccess("user", "GET")))._tag).toBe("All")
      yield* endSession(ending)
      expect((yield* Effect.flip(as(ending)(currentPrincipal)))._tag).toBe("Unauthenticated")
      expect((yield* as(ending)(callerAccess("user", "GET")))._tag).toBe("None")
      expect(yield* as(other)(currentPrincipal)).toBe(other)
    }))
})
