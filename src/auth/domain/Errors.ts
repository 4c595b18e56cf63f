import { Data } from "effect"
import type { Permission } from "../../access/Permission.js"

const named = (permissions: ReadonlyArray<Permission>) =>
  permissions.map((p) => `${p.resource}:${p.action}${p.isConditional ? " (conditional)" : ""}`).join(", ")

export class UserNotFound extends Data.TaggedError("UserNotFound")<{ readonly accessKey: string }> {
  override get message() {
    return `User ${this.accessKey} not found`
  }
}

export class UserAlreadyExists extends Data.TaggedError("UserAlreadyExists")<{ readonly accessKey: string }> {
  override get message() {
    return `User ${this.accessKey} already exists`
  }
}

export class RoleNotFound extends Data.TaggedError("RoleNotFound")<{ readonly code: string }> {
  override get message() {
    return `Role ${this.code} not found`
  }
}

export class RoleAlreadyExists extends Data.TaggedError("RoleAlreadyExists")<{ readonly code: string }> {
  override get message() {
    return `Role ${this.code} already exists`
  }
}

export class RoleInUse extends Data.TaggedError("RoleInUse")<{ readonly code: string }> {
  override get message() {
    return `Role ${this.code} is held by users; give them another role first`
  }
}

/** No one hands out access they lack: a caller may grant, revoke or assign only what their own grants reach. */
export class NotGrantable extends Data.TaggedError("NotGrantable")<{
  readonly permissions: ReadonlyArray<Permission>
}> {
  override get message() {
    return `Not allowed to hand out what your own grants do not reach: ${named(this.permissions)}`
  }
}

export class InvalidEmail extends Data.TaggedError("InvalidEmail")<{ readonly email: string }> {
  override get message() {
    return `${JSON.stringify(this.email)} is not a valid e-mail address`
  }
}

/** Input that breaks a domain rule (a field's format or length); `field` names it for the client. */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{
  readonly field: string
  readonly reason: string
}> {
  override get message() {
    return `${this.field} ${this.reason}`
  }
}

/** The same answer for an unknown account and a wrong password, so neither can be told apart. */
export class WrongCredentials extends Data.TaggedError("WrongCredentials")<{}> {
  override get message() {
    return "Wrong access key or password"
  }
}

/**
 * A password-reset token that is unknown, used, expired or older than the last password change; or a
 * refresh token that is unknown, spent, expired or of an ended session. One answer for every case.
 */
export class InvalidToken extends Data.TaggedError("InvalidToken")<{}> {
  override get message() {
    return "The token is invalid or has expired"
  }
}

export class UnknownPermissions extends Data.TaggedError("UnknownPermissions")<{
  readonly permissions: ReadonlyArray<Permission>
}> {
  override get message() {
    return `Not in the permission catalogue: ${named(this.permissions)}`
  }
}

/** Revoking is handing out in reverse: a caller may take away only what their own grants reach. */
export class NotRevocable extends Data.TaggedError("NotRevocable")<{
  readonly permissions: ReadonlyArray<Permission>
}> {
  override get message() {
    return `Not allowed to take away what your own grants do not reach: ${named(this.permissions)}`
  }
}

/** The system keeps at least one user who holds the whole catalogue on every instance. */
export class LastAdministrator extends Data.TaggedError("LastAdministrator")<{}> {
  override get message() {
    return "This would leave no administrator (a user holding every permission on every instance): make another one first"
  }
}
