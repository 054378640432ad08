/**
 * Why a work was listed, read from its direct edges in the graph, so every reason names real edges: the creators
 * (dids) or works (record CIDs) in `via` are the other ends of those edges. `words` renders a reason with names.
 */
import { E_AUTHOR, E_DERIVED_BY, E_DERIVES, E_ENDORSED_BY, E_FOLLOW, E_IN, E_SIMILAR, NODE_CREATOR } from './graph.ts'
import type { Csr, DiscoveryGraph } from './graph.ts'

export type ReasonCode =
  | 'endorsedByFollowed' | 'endorsedByCircle' | 'byFollowed' | 'byCircle'
  | 'derivedFromYours' | 'sourceOfYours' | 'derivedFromEndorsed' | 'looksLikeYours' | 'looksLikeEndorsed'
  | 'inFollowedCollective' | 'nearYourWorks' | 'flagged'

export interface Reason {
  code: ReasonCode
  /** the other ends of the edges behind the reason: creators' dids, works' or collectives' record CIDs */
  via: string[]
}

/** Most names a reason lists */
const MAX_VIA = 3

export interface ExplainContext { own: Set<number>, endorsed: Set<number>, trust: Float64Array }

export function explain (g: DiscoveryGraph, csr: Csr, self: number, v: number, ctx: ExplainContext): Reason[] {
  const followed = new Set<number>()
  for (let i = csr.start[self] as number; i < (csr.start[self + 1] as number); i++) if (csr.type[i] === E_FOLLOW) followed.add(csr.to[i] as number)
  const lists: Record<ReasonCode, number[]> = {
    endorsedByFollowed: [], endorsedByCircle: [], byFollowed: [], byCircle: [], derivedFromYours: [], sourceOfYours: [],
    derivedFromEndorsed: [], looksLikeYours: [], looksLikeEndorsed: [], inFollowedCollective: [], nearYourWorks: [], flagged: []
  }
  const circle = (c: number): boolean => c !== self && (ctx.trust[c] as number) > 0
  for (let i = csr.start[v] as number; i < (csr.start[v + 1] as number); i++) {
    const t = csr.type[i] as number
    const u = csr.to[i] as number
    if (t === E_ENDORSED_BY) {
      if (followed.has(u)) lists.endorsedByFollowed.push(u)
      else if (circle(u)) lists.endorsedByCircle.push(u)
    } else if (t === E_AUTHOR && g.nodeType[u] === NODE_CREATOR) {
      if (followed.has(u)) lists.byFollowed.push(u)
      else if (circle(u)) lists.byCircle.push(u)
    } else if (t === E_DERIVES) {
      if (ctx.own.has(u)) lists.derivedFromYours.push(u)
      else if (ctx.endorsed.has(u)) lists.derivedFromEndorsed.push(u)
    } else if (t === E_DERIVED_BY) {
      if (ctx.own.has(u)) lists.sourceOfYours.push(u)
    } else if (t === E_SIMILAR) {
      if (ctx.own.has(u)) lists.looksLikeYours.push(u)
      else if (ctx.endorsed.has(u)) lists.looksLikeEndorsed.push(u)
    } else if (t === E_IN) {
      if (followed.has(u)) lists.inFollowedCollective.push(u)
    }
  }
  const out: Reason[] = []
  for (const code of Object.keys(lists) as ReasonCode[]) {
    const l = lists[code]
    if (l.length > 0) out.push({ code, via: [...new Set(l)].slice(0, MAX_VIA).map(x => g.key(x)) })
  }
  if (out.length === 0) out.push({ code: 'nearYourWorks', via: [] })
  if (((g.flags[v] as number) & 1) !== 0) out.push({ code: 'flagged', via: [] })
  return out
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol" */
function join (names: string[]): string {
  if (names.length <= 1) return names[0] ?? ''
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] as string}`
}

/** A reason in words; `name` gives a person's or collective's name (or a short did/CID) */
export function words (r: Reason, name: (key: string) => string): string {
  const who = join(r.via.map(name))
  const n = r.via.length
  switch (r.code) {
    case 'endorsedByFollowed': return `endorsed by ${who}, whom you follow`
    case 'endorsedByCircle': return `endorsed by ${who}, in your circle of trust`
    case 'byFollowed': return `by ${who}, whom you follow`
    case 'byCircle': return `by ${who}, in your circle of trust`
    case 'derivedFromYours': return n === 1 ? 'derived from a work you made' : `derived from ${n} works you made`
    case 'sourceOfYours': return n === 1 ? 'a source of a work you made' : `a source of ${n} works you made`
    case 'derivedFromEndorsed': return n === 1 ? 'derived from a work you endorsed' : `derived from ${n} works you endorsed`
    case 'looksLikeYours': return n === 1 ? 'looks like a work you made' : 'looks like works you made'
    case 'looksLikeEndorsed': return n === 1 ? 'looks like a work you endorsed' : 'looks like works you endorsed'
    case 'inFollowedCollective': return `in ${who}, a collective you follow`
    case 'nearYourWorks': return 'close to works you made or endorsed'
    case 'flagged': return 'shown lower: it looks like an earlier work it does not credit'
  }
}
