/**
 * The organisations module over HTTP, on the real server: its mutations and Relay lists, its error
 * codes, grants scoped to one organisation through the same @needsPermission directive as auth's, and
 * its reaction to auth's UserDeleted (delivered by the server's dispatcher after the commit).
 * Tests share one server, so each works on its own organisations and users.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Clock, Duration, Effect, Schedule } from "effect"
import { clockPast } from "../support/Eventually.js"
import { randomKey } from "../support/RandomRefs.js"
import { adminToken, codes, commandOk, failures, graphql, newUser, signIn } from "../support/TestServer.js"
import * as TestServerLayer from "../support/TestServer.js"

const organisationFields = "slug name members(first: $first, after: $after) { nodes { accessKey } pageInfo { hasNextPage endCursor } totalCount }"
const organisationQuery = `query ($slug: String!, $first: Int, $after: String) { organisation(slug: $slug) { ${organisationFields} } }`
const organisationsQuery = "{ organisations { nodes { slug } totalCount } }"

const mutation = (field: string, input: string) =>
  `mutation ($command: ${input}!, $first: Int, $after: String) { ${field}(command: $command) { ${organisationFields} } }`

const create = (slug: string, token: string) => graphql(mutation("createOrganisation", "CreateOrganisation"), { command: { slug, name: `Team ${slug}` } }, token)
const rename = (slug: string, name: string, token: string) => graphql(mutation("renameOrganisation", "RenameOrganisation"), { command: { slug, name } }, token)
const addMember = (slug: string, accessKey: string, token: string) =>
  graphql(mutation("addOrganisationMember", "AddOrganisationMember"), { command: { slug, accessKey } }, token)
const removeMember = (slug: string, accessKey: string, token: string) =>
  graphql(mutation("removeOrganisationMember", "RemoveOrganisationMember"), { command: { slug, accessKey } }, token)
const read = (slug: string, token: string, page: { readonly first?: number; readonly after?: string } = {}) =>
  graphql(organisationQuery, { slug, ...page }, token)

/** A new organisation's slug, created by the admin. */
const organisation = (token: string) =>
  Effect.gen(function*() {
    const slug = randomKey("team")
    const created = yield* create(slug, token)
    expect(created.errors).toBeUndefined()
    return slug
  })

/** A fresh user, signed in, holding `permissions`; created and granted by the admin. */
const user = (token: string, permissions: ReadonlyArray<object> = []) =>
  Effect.gen(function*() {
    const created = newUser("member")
    yield* commandOk("createUser", "CreateUser", created, token)
    if (permissions.length > 0) {
      yield* commandOk("attachUserPermissions", "AttachUserPermissions", { accessKey: created.accessKey, permissions }, token)
    }
    return { ...created, token: yield* signIn(created.accessKey, created.password) }
  })

const scoped = (action: string, scope: ReadonlyArray<string>) => ({ resource: "organisation", action, isConditional: true, scope })

describe("organisations over HTTP", () => {
  layer(TestServerLayer.layer, { excludeTestServices: true, timeout: Duration.minutes(2) })((it) => {
    it.effect("creates, renames and pages members as a Relay connection; refusals carry the module's codes", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const slug = yield* organisation(token)
        expect(codes(yield* create(slug, token))).toEqual(["ORGANISATION_ALREADY_EXISTS"])
        expect(codes(yield* create("Not A Slug", token))).toEqual(["BAD_USER_INPUT"])
        expect((yield* rename(slug, "Renamed", token)).data!["renameOrganisation"]).toMatchObject({ slug, name: "Renamed" })

        const [alice, bob, carol] = [yield* user(token), yield* user(token), yield* user(token)]
        for (const member of [alice, bob, carol]) {
          expect((yield* addMember(slug, member.accessKey, token)).errors).toBeUndefined()
          // Join times are milliseconds: the next join is in a later one, so the order is theirs, not
          // the user ids' tie-break. (The server runs in this process, on this clock.)
          yield* clockPast(yield* Clock.currentTimeMillis)
        }
        expect(failures(yield* addMember(slug, alice.accessKey, token)))
          .toEqual({ codes: ["ALREADY_MEMBER"], messages: [`User ${alice.accessKey} is already a member of organisation ${slug}`] })
        expect(codes(yield* addMember(slug, randomKey("ghost"), token))).toEqual(["USER_NOT_FOUND"])
        expect(codes(yield* addMember(randomKey("nowhere"), alice.accessKey, token))).toEqual(["ORGANISATION_NOT_FOUND"])

        // Join order, two at a time.
        const first = (yield* read(slug, token, { first: 2 })).data!["organisation"].members
        expect(first).toMatchObject({ nodes: [{ accessKey: alice.accessKey }, { accessKey: bob.accessKey }], pageInfo: { hasNextPage: true }, totalCount: 3 })
        const second = (yield* read(slug, token, { first: 2, after: first.pageInfo.endCursor })).data!["organisation"].members
        expect(second).toMatchObject({ nodes: [{ accessKey: carol.accessKey }], pageInfo: { hasNextPage: false } })
        // A cursor of another list is refused.
        const usersPage = yield* graphql("{ users(first: 1) { pageInfo { endCursor } } }", {}, token)
        expect(codes(yield* read(slug, token, { after: usersPage.data!["users"].pageInfo.endCursor }))).toEqual(["BAD_USER_INPUT"])

        const removed = yield* removeMember(slug, bob.accessKey, token)
        expect(removed.data!["removeOrganisationMember"].members.nodes).toEqual([{ accessKey: alice.accessKey }, { accessKey: carol.accessKey }])
        expect(codes(yield* removeMember(slug, bob.accessKey, token))).toEqual(["NOT_A_MEMBER"])
      }))

    it.effect("organisation UPDATE scoped to one organisation renames and adds members there only", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const [mine, theirs] = [yield* organisation(token), yield* organisation(token)]
        const newcomer = yield* user(token)
        // Naming a user in a membership command needs user GET for them (OrganisationMemberVisibility.test.ts).
        const seesNewcomer = { resource: "user", action: "GET", isConditional: true, scope: [newcomer.accessKey] }
        const editor = yield* user(token, [scoped("UPDATE", [mine]), scoped("GET", [mine]), scoped("LIST", [mine]), seesNewcomer])

        expect((yield* rename(mine, "Ours now", editor.token)).data!["renameOrganisation"].name).toBe("Ours now")
        expect((yield* addMember(mine, newcomer.accessKey, editor.token)).data!["addOrganisationMember"].members.nodes)
          .toEqual([{ accessKey: newcomer.accessKey }])
        const forbidden = (action: string, slug?: string) => ({
          codes: ["FORBIDDEN"],
          messages: [`Not allowed to ${action} organisation${slug === undefined ? "" : ` ${slug}`}`]
        })
        // Another organisation, existing or not, is refused before anything is looked up.
        expect(failures(yield* rename(theirs, "Taken over", editor.token))).toEqual(forbidden("UPDATE", theirs))
        expect(failures(yield* addMember(theirs, newcomer.accessKey, editor.token))).toEqual(forbidden("UPDATE", theirs))
        expect(failures(yield* removeMember(theirs, newcomer.accessKey, editor.token))).toEqual(forbidden("UPDATE", theirs))
        const ghost = randomKey("ghost")
        expect(failures(yield* rename(ghost, "Nobody", editor.token))).toEqual(forbidden("UPDATE", ghost))
        expect(failures(yield* read(theirs, editor.token))).toEqual(forbidden("GET", theirs))
        expect(failures(yield* create(randomKey("mine-too"), editor.token))).toEqual(forbidden("CREATE"))
        // A scoped LIST lists and counts only what is in scope; the admin sees both.
        expect((yield* graphql(organisationsQuery, {}, editor.token)).data!["organisations"]).toEqual({ nodes: [{ slug: mine }], totalCount: 1 })
        const everything = (yield* graphql(organisationsQuery, {}, token)).data!["organisations"]
        expect(everything.nodes.map((node: { readonly slug: string }) => node.slug)).toEqual(expect.arrayContaining([mine, theirs]))
        expect((yield* read(theirs, token)).data!["organisation"].name).toBe(`Team ${theirs}`)
        // A caller with no organisation grant at all.
        expect(failures(yield* read(mine, newcomer.token))).toEqual(forbidden("GET"))
      }))

    it.effect("deleting a user removes their memberships once the event is delivered", () =>
      Effect.gen(function*() {
        const token = yield* adminToken
        const [acme, globex] = [yield* organisation(token), yield* organisation(token)]
        const [leaver, stayer] = [yield* user(token), yield* user(token)]
        for (const slug of [acme, globex]) {
          for (const member of [leaver, stayer]) expect((yield* addMember(slug, member.accessKey, token)).errors).toBeUndefined()
        }
        yield* commandOk("deleteUser", "DeleteUser", { accessKey: leaver.accessKey }, token)

        const membersOf = (slug: string) =>
          Effect.map(read(slug, token), (response) => response.data!["organisation"].members.nodes.map((node: { readonly accessKey: string }) => node.accessKey))
        // The subscriber runs just after the commit, on the server's dispatcher.
        const settled = (slug: string) =>
          membersOf(slug).pipe(
            Effect.filterOrFail((keys) => !keys.includes(leaver.accessKey), () => new Error(`${leaver.accessKey} still in ${slug}`)),
            Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
            Effect.orDie
          )
        expect(yield* settled(acme)).toEqual([stayer.accessKey])
        expect(yield* settled(globex)).toEqual([stayer.accessKey])
      }))
  })
})
