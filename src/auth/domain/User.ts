import { Either } from "effect"
import * as Grant from "../../access/Grant.js"
import { decide, type Decision } from "../../kernel/Decision.js"
import { InvalidEmail, InvalidInput } from "./Errors.js"
import { PasswordChanged, UserCreated, UserDeleted, UserPermissionsAttached, UserPermissionsDetached, UserRoleSet } from "./Events.js"
import type { RoleId, UserId } from "./Ids.js"
import * as Names from "./Names.js"
import type { Role } from "./Role.js"

/** An account. Holds its own grants and at most one role; `version` guards against lost updates. */
export interface User {
  readonly id: UserId
  readonly accessKey: string
  readonly email: string
  readonly name: string
  readonly passwordHash: string
  readonly roleId: RoleId | null
  readonly permissions: ReadonlyArray<Grant.Grant>
  readonly createdAt: Date
  /** Reset tokens issued before this instant are no longer valid. */
  readonly passwordChangedAt: Date
  readonly version: number
}

export const passwordLength = { min: 8, max: 1024 } as const

const accessKeyPattern = /^\S{1,128}$/
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * 1-128 characters without spaces, and no `*`: a grant's scope names users by access key and every
 * user by `*`, so a key that reads as the wildcard (or holds it, should the scope syntax grow) would
 * turn a grant meant for one user into one over all of them. Role codes and slugs exclude it too.
 */
export const checkAccessKey = (accessKey: string): Either.Either<string, InvalidInput> => {
  if (!accessKeyPattern.test(accessKey)) {
    return Either.left(new InvalidInput({ field: "accessKey", reason: "must be 1-128 characters without spaces" }))
  }
  return accessKey.includes(Grant.everyInstance)
    ? Either.left(new InvalidInput({ field: "accessKey", reason: `must not contain "${Grant.everyInstance}": in a grant's scope it stands for every user` }))
    : Either.right(accessKey)
}

export const checkEmail = (email: string): Either.Either<string, InvalidEmail> => {
  const trimmed = email.trim()
  return trimmed.length <= 254 && emailPattern.test(trimmed) ? Either.right(trimmed) : Either.left(new InvalidEmail({ email }))
}

/** Length rules only (NIST 800-63B): no composition rules, no truncation, long passphrases welcome. */
export const checkPassword = (password: string): Either.Either<string, InvalidInput> =>
  password.length >= passwordLength.min && password.length <= passwordLength.max
    ? Either.right(password)
    : Either.left(new InvalidInput({
      field: "password",
      reason: `must be ${passwordLength.min} to ${passwordLength.max} characters`
    }))

export interface Registration {
  readonly accessKey: string
  readonly email: string
  readonly name: string
  readonly password: string
}

/** Validates everything before the (expensive) password hash is computed. */
export const checkRegistration = (input: Registration): Either.Either<Registration, InvalidEmail | InvalidInput> =>
  Either.gen(function*() {
    const accessKey = yield* checkAccessKey(input.accessKey)
    const email = yield* checkEmail(input.email)
    const name = yield* Names.checkName(input.name)
    const password = yield* checkPassword(input.password)
    return { accessKey, email, name, password }
  })

export const register = (input: {
  readonly id: UserId
  readonly accessKey: string
  readonly email: string
  readonly name: string
  readonly passwordHash: string
  readonly now: Date
}): Decision<User, UserCreated> => {
  const user: User = {
    id: input.id,
    accessKey: input.accessKey,
    email: input.email,
    name: input.name,
    passwordHash: input.passwordHash,
    roleId: null,
    permissions: [],
    createdAt: input.now,
    passwordChangedAt: input.now,
    version: 0
  }
  return decide(user, new UserCreated({ userId: user.id, accessKey: user.accessKey, email: user.email, name: user.name, at: input.now }))
}

export const changePassword = (user: User, passwordHash: string, now: Date): Decision<User, PasswordChanged> =>
  decide({ ...user, passwordHash, passwordChangedAt: now }, new PasswordChanged({ userId: user.id, at: now }))

export const attachPermissions = (
  user: User,
  grants: ReadonlyArray<Grant.Grant>
): Decision<User, UserPermissionsAttached> =>
  decide(
    { ...user, permissions: Grant.union(user.permissions, grants) },
    new UserPermissionsAttached({ userId: user.id, permissions: Grant.normalize(grants) })
  )

export const detachPermissions = (
  user: User,
  grants: ReadonlyArray<Grant.Grant>
): Decision<User, UserPermissionsDetached> =>
  decide(
    { ...user, permissions: Grant.difference(user.permissions, grants) },
    new UserPermissionsDetached({ userId: user.id, permissions: Grant.normalize(grants) })
  )

/** Gives the user the role; with `overridePermissions` their own grants become a copy of the role's. */
export const setRole = (user: User, role: Role, overridePermissions: boolean): Decision<User, UserRoleSet> =>
  decide(
    { ...user, roleId: role.id, permissions: overridePermissions ? role.permissions : user.permissions },
    new UserRoleSet({ userId: user.id, roleId: role.id, permissionsOverridden: overridePermissions })
  )

export const remove = (user: User): Decision<User, UserDeleted> =>
  decide(user, new UserDeleted({ userId: user.id, accessKey: user.accessKey }))
