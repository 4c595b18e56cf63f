import * as MessageBus from "../../kernel/MessageBus.js"
import { Schema } from "effect"
import { AuthEvent } from "../domain/Events.js"
import { authenticate } from "./Authentication.js"
import { changePassword, resetPassword } from "./PasswordReset.js"
import { logout, refreshToken } from "./Sessions.js"
import { attachRolePermissions, createRole, deleteRole, detachRolePermissions } from "./Roles.js"
import { attachUserPermissions, createUser, deleteUser, detachUserPermissions, setUserRole } from "./Users.js"

/** The auth module's registry: each command tag to its one handler. */
export const commandHandlers = {
  CreateUser: createUser,
  Authenticate: authenticate,
  RefreshToken: refreshToken,
  Logout: logout,
  ResetPassword: resetPassword,
  ChangePassword: changePassword,
  CreateRole: createRole,
  AttachRolePermissions: attachRolePermissions,
  DetachRolePermissions: detachRolePermissions,
  AttachUserPermissions: attachUserPermissions,
  DetachUserPermissions: detachUserPermissions,
  SetUserRole: setUserRole,
  DeleteUser: deleteUser,
  DeleteRole: deleteRole
}

/** Sends an auth command through the bus: one unit of work, then its events to in-process handlers. */
export const dispatch = MessageBus.make<typeof commandHandlers, AuthEvent>(commandHandlers, Schema.encodeSync(AuthEvent))
