/**
 * People in human output: a creator's display name (its profile, protocols/records.md §3.11) where the daemon gave
 * one, the short did otherwise. Names are chosen by their owners and need not be unique, so a name two dids of the
 * same output share is followed by each one's short did. With the global `--dids`, the full did comes first and the
 * name after it. `--json` always carries the dids, with the names beside them.
 */
import { shortId } from './output.ts'

/** How one did is written in human output */
export type Who = (did: string | undefined, name?: string) => string

/**
 * A writer of people for one output. `names`: did → name for every did the output may show (from the answer's
 * `names`, `authorName` or `name` fields); `dids`: the global --dids flag.
 */
export function namer (names: Iterable<[string, string]> | Record<string, string> | undefined, dids = false,
  /** a did without a name in full rather than shortened (where the did is what the next command takes) */
  fullWithoutName = false): Who {
  const byDid = new Map<string, string>(names == null ? [] : Symbol.iterator in names ? names as Iterable<[string, string]> : Object.entries(names))
  const owners = new Map<string, Set<string>>()
  for (const [did, name] of byDid) {
    let set = owners.get(name)
    if (set == null) owners.set(name, (set = new Set()))
    set.add(did)
  }
  return (did, given) => {
    if (did == null || did === '') return '?'
    const name = given ?? byDid.get(did)
    if (dids) return name != null ? `${did} (${name})` : did
    if (name == null) return fullWithoutName ? did : shortId(did)
    return (owners.get(name)?.size ?? 1) > 1 ? `${name} (${shortId(did)})` : name
  }
}

/** did → name pairs of items carrying `author` and `authorName` */
export function authorNames (items: ReadonlyArray<{ author?: string, authorName?: string }>): Array<[string, string]> {
  return items.flatMap(i => i.author != null && i.authorName != null ? [[i.author, i.authorName] as [string, string]] : [])
}

/** did → name pairs of items carrying `did` and `name` */
export function didNames (items: ReadonlyArray<{ did: string, name?: string }>): Array<[string, string]> {
  return items.flatMap(i => i.name != null ? [[i.did, i.name] as [string, string]] : [])
}
