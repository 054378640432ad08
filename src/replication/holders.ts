/**
 * Which members hold a work: rendezvous (highest-random-weight) hashing of (work CID, member did), a pure function
 * of its inputs, so every node that holds the same membership computes the same holders whatever order the records
 * came in (protocols/collectives.md §Replication).
 *
 * Each member's weight for a work is the first 8 bytes of sha256(`atelier/replication/1` NUL work NUL did), read
 * big-endian; members are ranked by weight, highest first (equal weights, which need a sha256 collision on 64
 * bits, fall back to the did's order). The holders are the first k members of that ranking that are live. A
 * member joining moves only the works for which it ranks in the top k (about k/n of them); a member leaving or going
 * offline moves only the works it held, each to the next member in that work's ranking.
 */
import { sha256 } from '@noble/hashes/sha2.js'

/** Domain separation: a weight means nothing outside this use, and a later rule can take version 2 */
export const RENDEZVOUS_DOMAIN = 'atelier/replication/1'

const utf8 = new TextEncoder()

/** A member's weight for a work: 64 bits of sha256 over the domain, the work CID and the did */
export function rendezvousWeight (work: string, did: string): bigint {
  const digest = sha256(utf8.encode(`${RENDEZVOUS_DOMAIN}\u0000${work}\u0000${did}`))
  let weight = 0n
  for (let i = 0; i < 8; i++) weight = (weight << 8n) | BigInt(digest[i])
  return weight
}

/** Every member (distinct dids), highest weight for `work` first */
export function rankMembers (work: string, members: Iterable<string>): string[] {
  const weighted = [...new Set(members)].map(did => ({ did, weight: rendezvousWeight(work, did) }))
  weighted.sort((a, b) => a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : a.did < b.did ? -1 : a.did > b.did ? 1 : 0)
  return weighted.map(w => w.did)
}

/**
 * The k holders of `work`: the first `copies` members of its ranking for which `live` says yes. Fewer when fewer
 * members are live; members are judged live by the caller (its local view: liveness.ts).
 */
export function holdersOf (work: string, members: Iterable<string>, copies: number, live: (did: string) => boolean = () => true): string[] {
  const out: string[] = []
  if (copies < 1) return out
  for (const did of rankMembers(work, members)) {
    if (!live(did)) continue
    out.push(did)
    if (out.length === copies) break
  }
  return out
}

/** The number of copies a charter's `replication` asks for: k for `{ copies: k }`, undefined for full or none */
export function copiesOf (replication: unknown): number | undefined {
  if (replication == null || typeof replication !== 'object') return undefined
  const copies = (replication as { copies?: unknown }).copies
  return typeof copies === 'number' && Number.isInteger(copies) && copies >= 1 ? copies : undefined
}
