/**
 * Generated graphs with planted communities (and, optionally, a Sybil region), for the tests and the bench: each
 * community's creators mostly follow, endorse and derive from one another; a few edges cross. Seeded, so a seed
 * always gives the same graph. Also returns every endorsement, for leave-one-out evaluation.
 *
 * Without `tastes`, every work of a community is equally likely to be endorsed by its members: the community is all
 * there is to find. With `tastes`, each community's creators (and so their works) are split into taste groups, and an
 * in-community follow or endorsement stays in the member's own group with chance `taste`: personal structure inside
 * a community, which counting the community's endorsements does not see.
 */
import {
  DiscoveryGraph, E_AUTHOR, E_DERIVED_BY, E_DERIVES, E_ENDORSE, E_ENDORSED_BY, E_FOLLOW, E_SIMILAR, NODE_CREATOR, NODE_WORK
} from './graph.ts'
import { seededRandom as rng } from '../seeded-random.ts'

export interface PlantedOptions {
  communities: number
  creatorsPer: number
  worksPer: number
  follows: number
  endorsements: number
  /** chance an edge leaves its community */
  cross: number
  /** identities in a Sybil region (0: none) */
  sybils?: number
  /** honest creators that follow into the Sybil region */
  attackEdges?: number
  /** the honest creators (community, index) the attack edges start from; random creators of community 0 if absent */
  attackFrom?: Array<[number, number]>
  /** the Sybils' endorsements all go to this many of their works (the strongest push); skewed over all if absent */
  sybilPush?: number
  /** taste groups per community (none if absent) */
  tastes?: number
  /** chance an in-community follow or endorsement stays in the creator's taste group. @default 0.7 */
  taste?: number
  seed: number
  now: number
}

export interface Planted {
  graph: DiscoveryGraph
  /** creator did → community (-1 for a Sybil) */
  communityOf: Map<string, number>
  /** work key → community (-1 for a Sybil's) */
  workCommunity: Map<string, number>
  /** [creator key, work key, record key] of every honest endorsement */
  endorsements: Array<[string, string, string]>
  creators: string[][]
  /** creator did or work key → community × tastes + taste group (the community when there are no tastes) */
  groupOf: Map<string, number>
}

export function planted (o: PlantedOptions): Planted {
  const g = new DiscoveryGraph()
  const random = rng(o.seed)
  const pick = <T>(a: T[]): T => a[Math.floor(random() * a.length)] as T
  const communityOf = new Map<string, number>()
  const workCommunity = new Map<string, number>()
  const endorsements: Array<[string, string, string]> = []
  const creators: string[][] = []
  const works: string[][] = []
  const groupOf = new Map<string, number>()
  const tastes = Math.max(1, o.tastes ?? 1)
  // creators and works by group (community × tastes + taste): creator i of a community is in taste i % tastes
  const groupCreators: string[][] = Array.from({ length: o.communities * tastes }, () => [])
  const groupWorks: string[][] = Array.from({ length: o.communities * tastes }, () => [])
  let rec = 0
  for (let c = 0; c < o.communities; c++) {
    creators.push([]); works.push([])
    for (let i = 0; i < o.creatorsPer; i++) {
      const did = `did:key:c${c}m${i}`
      creators[c]!.push(did); communityOf.set(did, c)
      const group = c * tastes + i % tastes
      groupOf.set(did, group); groupCreators[group]!.push(did)
      const u = g.node(did, NODE_CREATOR)
      for (let k = 0; k < o.worksPer; k++) {
        const wk = `w${c}.${i}.${k}`
        const w = g.node(wk, NODE_WORK)
        g.setWork(w, o.now - Math.floor(random() * 90 * 86_400_000), k % 2 === 0 ? 'image/png' : 'audio/ogg', undefined)
        g.link(u, w, E_AUTHOR, E_AUTHOR, wk)
        works[c]!.push(wk); workCommunity.set(wk, c)
        groupOf.set(wk, group); groupWorks[group]!.push(wk)
      }
    }
  }
  const community = (c: number): number => random() < o.cross ? Math.floor(random() * o.communities) : c
  // with tastes, an edge that stays in the community stays in the creator's group with chance `taste`
  const among = <T>(c: number, did: string, byCommunity: T[][], byGroup: T[][]): T[] => {
    const d = community(c)
    if (tastes === 1 || d !== c || random() >= (o.taste ?? 0.7)) return byCommunity[d]!
    return byGroup[groupOf.get(did) as number]!
  }
  for (let c = 0; c < o.communities; c++) {
    for (const did of creators[c]!) {
      const u = g.id(did) as number
      for (let f = 0; f < o.follows; f++) {
        const other = pick(among(c, did, creators, groupCreators))
        if (other !== did) g.addEdge(u, g.id(other) as number, E_FOLLOW, undefined, `f${rec++}`)
      }
      for (let e = 0; e < o.endorsements; e++) {
        const wk = pick(among(c, did, works, groupWorks))
        const key = `e${rec++}`
        g.link(u, g.id(wk) as number, E_ENDORSE, E_ENDORSED_BY, key)
        endorsements.push([did, wk, key])
      }
    }
    // some lineage and look-alikes inside the community
    for (let k = 0; k < works[c]!.length / 10; k++) {
      const a = g.id(pick(works[c]!)) as number
      const b = g.id(pick(works[c]!)) as number
      if (a === b) continue
      if (random() < 0.5) g.link(a, b, E_DERIVES, E_DERIVED_BY, `d${rec++}`)
      else g.link(a, b, E_SIMILAR, E_SIMILAR, `s${rec++}`)
    }
  }
  const sybils = o.sybils ?? 0
  if (sybils > 0) {
    const ids: number[] = []
    const sworks: number[] = []
    for (let i = 0; i < sybils; i++) {
      const did = `did:key:sybil${i}`
      communityOf.set(did, -1)
      const u = g.node(did, NODE_CREATOR)
      ids.push(u)
      const wk = `sw${i}`
      const w = g.node(wk, NODE_WORK)
      g.setWork(w, o.now, 'image/png', undefined)
      g.link(u, w, E_AUTHOR, E_AUTHOR, wk)
      sworks.push(w); workCommunity.set(wk, -1)
    }
    // a dense region: every Sybil follows ten others and endorses ten of their works, the first works most
    for (let i = 0; i < sybils; i++) {
      for (let k = 0; k < 10; k++) {
        g.addEdge(ids[i] as number, pick(ids), E_FOLLOW, undefined, `sf${rec++}`)
        const target = o.sybilPush != null ? Math.floor(random() * o.sybilPush) : Math.floor(random() * random() * sybils)
        g.link(ids[i] as number, sworks[target] as number, E_ENDORSE, E_ENDORSED_BY, `se${rec++}`)
      }
    }
    for (let a = 0; a < (o.attackEdges ?? 3); a++) {
      const from = o.attackFrom?.[a]
      const honest = from != null ? creators[from[0]]![from[1]]! : pick(creators[0]!)
      g.addEdge(g.id(honest) as number, pick(ids), E_FOLLOW, undefined, `sa${rec++}`)
    }
  }
  return { graph: g, communityOf, workCommunity, endorsements, creators, groupOf }
}
