import { Data } from "effect"

export class OrganisationNotFound extends Data.TaggedError("OrganisationNotFound")<{ readonly slug: string }> {
  override get message() {
    return `Organisation ${this.slug} not found`
  }
}

export class OrganisationAlreadyExists extends Data.TaggedError("OrganisationAlreadyExists")<{ readonly slug: string }> {
  override get message() {
    return `Organisation ${this.slug} already exists`
  }
}

export class AlreadyMember extends Data.TaggedError("AlreadyMember")<{ readonly slug: string; readonly accessKey: string }> {
  override get message() {
    return `User ${this.accessKey} is already a member of organisation ${this.slug}`
  }
}

export class NotAMember extends Data.TaggedError("NotAMember")<{ readonly slug: string; readonly accessKey: string }> {
  override get message() {
    return `User ${this.accessKey} is not a member of organisation ${this.slug}`
  }
}
