import { describe, expect, it } from "@effect/vitest"
import * as Grant from "../../../src/access/Grant.js"
import * as Policy from "../../../src/access/Policy.js"

const policy = Policy.compile([Grant.unconditional("user", "LIST"), Grant.scoped("role", "LIST", ["ops", "dev"])])

describe("Policy.instanceFilter: an access as a list's filter", () => {
  it("no filter for every instance, exactly the named ones for some, none at all for no access", () => {
    expect(Policy.instanceFilter(Policy.access(policy, "user", "LIST"))).toBeUndefined()
    expect([...Policy.instanceFilter(Policy.access(policy, "role", "LIST"))!].sort()).toEqual(["dev", "ops"])
    expect(Policy.instanceFilter(Policy.access(policy, "organisation", "LIST"))).toEqual([])
  })
})
