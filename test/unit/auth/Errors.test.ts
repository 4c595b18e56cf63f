import { describe, expect, it } from "@effect/vitest"
import * as Permission from "../../../src/access/Permission.js"
import * as Errors from "../../../src/auth/domain/Errors.js"

const named = [Permission.make("user", "GET"), Permission.make("role", "UPDATE", true)]

/**
 * The tag is what src/graphql/ErrorCodes.ts maps to `extensions.code`; the message is what the client
 * reads, so each names what it refers to and nothing else (no input echoed but the key or code asked for).
 */
describe("domain errors: tag and message", () => {
  it.each([
    ["UserNotFound", new Errors.UserNotFound({ accessKey: "alice" }), "User alice not found"],
    ["UserAlreadyExists", new Errors.UserAlreadyExists({ accessKey: "alice" }), "User alice already exists"],
    ["RoleNotFound", new Errors.RoleNotFound({ code: "ops" }), "Role ops not found"],
    ["RoleAlreadyExists", new Errors.RoleAlreadyExists({ code: "ops" }), "Role ops already exists"],
    ["RoleInUse", new Errors.RoleInUse({ code: "ops" }), "Role ops is held by users; give them another role first"],
    [
      "NotGrantable",
      new Errors.NotGrantable({ permissions: named }),
      "Not allowed to hand out what your own grants do not reach: user:GET, role:UPDATE (conditional)"
    ],
    ["InvalidEmail", new Errors.InvalidEmail({ email: "a\"b" }), "\"a\\\"b\" is not a valid e-mail address"],
    ["InvalidInput", new Errors.InvalidInput({ field: "name", reason: "must be 1-128 characters" }), "name must be 1-128 characters"],
    ["WrongCredentials", new Errors.WrongCredentials(), "Wrong access key or password"],
    ["InvalidToken", new Errors.InvalidToken(), "The token is invalid or has expired"],
    [
      "UnknownPermissions",
      new Errors.UnknownPermissions({ permissions: named }),
      "Not in the permission catalogue: user:GET, role:UPDATE (conditional)"
    ],
    [
      "NotRevocable",
      new Errors.NotRevocable({ permissions: named }),
      "Not allowed to take away what your own grants do not reach: user:GET, role:UPDATE (conditional)"
    ],
    [
      "LastAdministrator",
      new Errors.LastAdministrator(),
      "This would leave no administrator (a user holding every permission on every instance): make another one first"
    ]
  ] as const)("%s", (tag, error, message) => {
    expect(error._tag).toBe(tag)
    expect(error.message).toBe(message)
  })
})
