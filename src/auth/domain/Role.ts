import { Either } from "effect"
import * as Grant from "../../access/Grant.js"
import { decide, type Decision } from "../../kernel/Decision.js"
import { InvalidInput, RoleInUse } from "./Errors.js"
import { RoleCreated, RoleDeleted, RolePermissionsAttached, RolePermissionsDetached } from "./Events.js"
import type { RoleId } from "./Ids.js"
import * as Names from "./Names.js"

/** A named set of grants that users can hold. `version` guards against lost updates when saved. */
export interface Role {
  readonly id: RoleId
  readonly code: string
  readonly name: string
  readonly permissions: ReadonlyArray<Grant.Grant>
  readonly createdAt: Date
  readonly version: number
}

const codePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export const checkCode = (code: string): Either.Either<string, InvalidInput> =>
  codePattern.test(code)
    ? Either.right(code)
    : Either.left(new InvalidInput({ field: "code", reason: "must be 1-64 letters, digits, '_', '.' or '-'" }))

export const create = (input: {
  readonly id: RoleId
  readonly code: string
  readonly name: string
  readonly permissions: ReadonlyArray<Grant.Grant>
  readonly now: Date
}): Either.Either<Decision<Role, RoleCreated>, InvalidInput> =>
  Either.gen(function*() {
    const code = yield* checkCode(input.code)
    const name = yield* Names.checkName(input.name)
    const permissions = Grant.normalize(input.permissions)
    const role: Role = { id: input.id, code, name, permissions, createdAt: input.now, version: 0 }
    return decide(role, new RoleCreated({ roleId: role.id, code, name, permissions }))
  })

export const attachPermissions = (
  role: Role,
  grants: ReadonlyArray<Grant.Grant>
): Decision<Role, RolePermissionsAttached> =>
  decide(
    { ...role, permissions: Grant.union(role.permissions, grants) },
    new RolePermissionsAttached({ roleId: role.id, permissions: Grant.normalize(grants) })
  )

export const detachPermissions = (
  role: Role,
  grants: ReadonlyArray<Grant.Grant>
): Decision<Role, RolePermissionsDetached> =>
  decide(
    { ...role, permissions: Grant.difference(role.permissions, grants) },
    new RolePermissionsDetached({ roleId: role.id, permissions: Grant.normalize(grants) })
  )

/** A role can go only once nobody holds it, so no account silently loses its grants. */
export const remove = (role: Role, holders: number): Either.Either<Decision<Role, RoleDeleted>, RoleInUse> =>
  holders > 0
    ? Either.left(new RoleInUse({ code: role.code }))
    : Either.right(decide(role, new RoleDeleted({ roleId: role.id, code: role.code })))
