import { describe, expect, it } from "@effect/vitest"
import { prefersHtml, quality } from "../../../src/http/ContentNegotiation.js"

const browsers = {
  chrome: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
  firefox: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  safari: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
}

describe("ContentNegotiation.prefersHtml", () => {
  it.each(Object.entries(browsers))("a %s navigation wants the page", (_, accept) => {
    expect(prefersHtml(accept)).toBe(true)
  })

  it.each([
    ["no Accept", undefined],
    ["an empty Accept", ""],
    ["curl's */*", "*/*"],
    ["a GraphQL-over-HTTP client", "application/graphql-response+json, application/json;q=0.9"],
    ["a JSON client", "application/json"],
    ["HTML and JSON equally", "text/html, application/json"],
    ["HTML refused", "text/html;q=0, */*"],
    ["JSON preferred over HTML", "text/html;q=0.5, application/json"],
    ["garbage", "not a media type, ;;;"]
  ])("%s gets the API", (_, accept) => {
    expect(prefersHtml(accept)).toBe(false)
  })

  it("text/* counts for HTML, and a JSON type named outright beats the wildcard", () => {
    expect(prefersHtml("text/*, */*;q=0.1")).toBe(true)
    expect(prefersHtml("text/*;q=0.5, application/json;q=0.4")).toBe(true)
    expect(prefersHtml("text/html;q=0.5, */*;q=0.9, application/json;q=0.1")).toBe(false)
  })
})

describe("ContentNegotiation.quality", () => {
  it("takes the most specific matching range, whatever its order", () => {
    expect(quality("*/*;q=0.1, text/html;q=0.7, text/*;q=0.3", "text/html")).toBe(0.7)
    expect(quality("*/*;q=0.1, text/*;q=0.3", "text/css")).toBe(0.3)
    expect(quality("*/*;q=0.1", "application/json")).toBe(0.1)
    expect(quality("text/html", "application/json")).toBe(0)
  })

  it("reads case-insensitively, ignores other parameters, and clamps q to [0, 1]", () => {
    expect(quality("Text/HTML; charset=utf-8; Q=0.4", "text/html")).toBe(0.4)
    expect(quality("text/html;q=7", "text/html")).toBe(1)
    expect(quality("text/html;q=abc, */*;q=0.2", "text/html")).toBe(0.2)
  })
})
