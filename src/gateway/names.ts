/**
 * Display names beside dids in API answers (protocols/records.md §3.8; docs/http-api.md "Names"). Every field is
 * additive: `authorName` beside `author`, `name` beside `did`, and a `names` map (did → name) for answers that list
 * dids as plain strings (members, admins, signers). A did without a profile gets no name: clients show the did.
 */
import type { GatewayComponents } from './types.ts'

type Names = GatewayComponents['names']

/** did → name for `dids`; empty without a directory */
export async function namesFor (names: Names, dids: Iterable<string>): Promise<Map<string, string>> {
  if (names == null) return new Map()
  return await names.namesOf(dids)
}

/** `items` with `authorName` beside each `author` that has a name (new objects; the input is not changed) */
export async function withAuthorNames<T extends { author?: string }> (names: Names, items: T[]): Promise<Array<T & { authorName?: string }>> {
  const found = await namesFor(names, items.flatMap(i => i.author != null ? [i.author] : []))
  return items.map(i => {
    const name = i.author != null ? found.get(i.author) : undefined
    return name != null ? { ...i, authorName: name } : i
  })
}

/** `items` with `name` beside each `did` that has a name */
export async function withDidNames<T extends { did: string }> (names: Names, items: T[]): Promise<Array<T & { name?: string }>> {
  const found = await namesFor(names, items.map(i => i.did))
  return items.map(i => {
    const name = found.get(i.did)
    return name != null ? { ...i, name } : i
  })
}

/** The `names` map of an answer: an object did → name, only the dids that have one */
export async function nameMap (names: Names, dids: Iterable<string>): Promise<Record<string, string>> {
  return Object.fromEntries(await namesFor(names, dids))
}

/** OpenAPI schema of a `names` map */
export const namesSchema = {
  type: 'object',
  description: 'display names of the dids in this answer that have a profile (did → name); a did left out has none',
  additionalProperties: { type: 'string' }
} as const
