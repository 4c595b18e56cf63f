/**
 * Organisation members and the users they are, over HTTP: naming a user in a membership command needs
 * user GET for them (checked before any lookup, so an unknown access key and one the caller may not
 * see get the same refusal), and `members` shows an access key only to a caller whose user GET reaches it.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { randomKey } from "../support/RandomRefs.js"
import { adminToken, commandOk, failures, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const scoped = (resource: string, action: string, scope: ReadonlyArray<string>) => ({ resource, action, isConditional: true, scope })

const membersFields = "members { nodes { accessKey joinedAt } totalCount }"

const membership = (field: "addOrganisationMember" | "removeOrganisationMember", input: string) =>
  (slug: string, accessKey: string, token: string) =>
    graphql(`mutation ($command: ${input}!) { ${field}(command: $command) { ${membersFields} } }`, { command: { slug, accessKey } }, token)

const addMember = membership("addOrganisationMember", "AddOrganisationMember")
const removeMember = membership("removeOrganisationMember", "RemoveOrganisationMember")

/** The access keys `members` shows the caller, in join order (null where it hides one). */
const memberKeys = (slug: string, token: string) =>
  Effect.map(
    graphql(`query ($slug: String!) { organisation(slug: $slug) { ${membersFields} } }`, { slug }, token),
    (response) => {
      expect(response.errors).toBeUndefined()
      return response.data!["organisation"].members.nodes.map((node: { readonly accessKey: string | null }) => node.accessKey)
    }
  )

const createUser = (token: string, permissions: ReadonlyArray<object> = []) =>
  Effect.gen(function*() {
    const user = newUser("member")
    yield* commandOk("createUser", "CreateUser", user, token)
    if (permissions.length > 0) yield* commandOk("attachUserPermissions", "AttachUserPermissions", { accessKey: user.accessKey, permissions }, token)
    return user
  })

const forbidden = (accessKey: string) => ({ codes: ["FORBIDDEN"], messages: [`Not allowed to GET user ${accessKey}`] })

describe("organisation members and user visibility", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("adding or removing a user the caller may not see is refused exactly as an unknown one", () =>
      Effect.gen(function*() {
        const admin = yield* adminToken
        const slug = randomKey("team")
        yield* graphql(`mutation ($c: CreateOrganisation!) { createOrganisation(command: $c) { slug } }`, { c: { slug, name: slug } }, admin)
        const [alice, bob] = [yield* createUser(admin), yield* createUser(admin)]
        const organisationRights = ["GET", "UPDATE"].map((action) => scoped("organisation", action, [slug]))
        const editorUser = yield* createUser(admin, [...organisationRights, scoped("user", "GET", [alice.accessKey])])
        const editor = yield* signIn(editorUser.accessKey, editorUser.password)

        const added = yield* addMember(slug, alice.accessKey, editor)
        expect(added.errors).toBeUndefined()
        expect(added.data!["addOrganisationMember"].members.nodes.map((node: { readonly accessKey: string }) => node.accessKey)).toEqual([alice.accessKey])

        const ghost = randomKey("ghost")
        for (const change of [addMember, removeMember]) {
          expect(failures(yield* change(slug, bob.accessKey, editor))).toEqual(forbidden(bob.accessKey))
          expect(failures(yield* change(slug, ghost, editor))).toEqual(forbidden(ghost))
        }
        // Nothing changed for bob.
        expect(yield* memberKeys(slug, admin)).toEqual([alice.accessKey])
        // With user GET on every user, an unknown key is simply not found.
        expect(failures(yield* addMember(slug, ghost, admin)).codes).toEqual(["USER_NOT_FOUND"])
      }))

    it.effect("members shows an access key only to a caller whose user GET reaches it", () =>
      Effect.gen(function*() {
        const admin = yield* adminToken
        const slug = randomKey("team")
        yield* graphql(`mutation ($c: CreateOrganisation!) { createOrganisation(command: $c) { slug } }`, { c: { slug, name: slug } }, admin)
        const [alice, bob] = [yield* createUser(admin), yield* createUser(admin)]
        for (const member of [alice, bob]) expect((yield* addMember(slug, member.accessKey, admin)).errors).toBeUndefined()
        const readerOf = (permissions: ReadonlyArray<object>) =>
          Effect.flatMap(createUser(admin, [scoped("organisation", "GET", [slug]), ...permissions]), (user) => signIn(user.accessKey, user.password))

        expect(yield* memberKeys(slug, admin)).toEqual([alice.accessKey, bob.accessKey])
        expect(yield* memberKeys(slug, yield* readerOf([scoped("user", "GET", [alice.accessKey])]))).toEqual([alice.accessKey, null])
        // LIST is not GET: the members are there (and counted), their access keys are not.
        const lister = yield* readerOf([{ resource: "user", action: "LIST", isConditional: false }])
        expect(yield* memberKeys(slug, lister)).toEqual([null, null])
        const page = yield* graphql(`query ($slug: String!) { organisation(slug: $slug) { ${membersFields} } }`, { slug }, lister)
        expect(page.data!["organisation"].members.totalCount).toBe(2)
        expect(page.data!["organisation"].members.nodes.every((node: { readonly joinedAt: string }) => typeof node.joinedAt === "string")).toBe(true)
      }))
  })
})
