/**
 * Ranking on generated graphs with planted communities (issue 13 "Checked by"): a member's top items come from its
 * community, every reason names real edges, a Sybil region of 1,000 identities attached by 3 edges holds at most
 * 5 % of the top 50, and the ranking is deterministic.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { rank } from '../../src/discovery/rank.ts'
import { planted } from '../../src/discovery/planted.ts'
import { DiscoveryGraph, E_ENDORSE, E_FOLLOW, E_AUTHOR, E_DERIVES, E_SIMILAR, NODE_CREATOR, NODE_WORK, E_ENDORSED_BY } from '../../src/discovery/graph.ts'
import { words } from '../../src/discovery/reasons.ts'

const NOW = Date.UTC(2026, 11, 1)

/** Whether the edge (a → b, type) is live in the graph */
function hasEdge (g: DiscoveryGraph, a: string, b: string, type: number): boolean {
  const csr = g.adjacency()
  const u = g.id(a); const v = g.id(b)
  if (u === undefined || v === undefined) return false
  for (let i = csr.start[u] as number; i < (csr.start[u + 1] as number); i++) if (csr.to[i] === v && csr.type[i] === type) return true
  return false
}

describe('discovery ranking', () => {
  it('lists a member\'s own community first, with reasons that name real edges (fast-check over seeds)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 3 }), (seed, community) => {
      const p = planted({ communities: 4, creatorsPer: 25, worksPer: 4, follows: 6, endorsements: 8, cross: 0.05, seed, now: NOW })
      const self = p.creators[community]![0]!
      const items = rank(p.graph, self, { limit: 20, now: NOW })
      assert.ok(items.length >= 10)
      const same = items.filter(i => p.workCommunity.get(i.key) === community).length
      assert.ok(same >= 0.8 * items.length, `${same} of ${items.length} from the member's community`)
      for (const item of items) {
        assert.ok(item.reasons.length > 0)
        for (const r of item.reasons) {
          for (const via of r.via) {
            const own = hasEdge(p.graph, self, via, E_AUTHOR)
            const endorsedIt = hasEdge(p.graph, self, via, E_ENDORSE)
            const ok = {
              endorsedByFollowed: hasEdge(p.graph, via, item.key, E_ENDORSE) && hasEdge(p.graph, self, via, E_FOLLOW),
              endorsedByCircle: hasEdge(p.graph, via, item.key, E_ENDORSE),
              byFollowed: hasEdge(p.graph, via, item.key, E_AUTHOR) && hasEdge(p.graph, self, via, E_FOLLOW),
              byCircle: hasEdge(p.graph, via, item.key, E_AUTHOR),
              derivedFromYours: hasEdge(p.graph, item.key, via, E_DERIVES) && own,
              derivedFromEndorsed: hasEdge(p.graph, item.key, via, E_DERIVES) && endorsedIt,
              sourceOfYours: hasEdge(p.graph, via, item.key, E_DERIVES) && own,
              looksLikeYours: hasEdge(p.graph, item.key, via, E_SIMILAR) && own,
              looksLikeEndorsed: hasEdge(p.graph, item.key, via, E_SIMILAR) && endorsedIt
            } as Record<string, boolean>
            assert.equal(ok[r.code], true, `${r.code} via ${via} for ${item.key}: no such edge`)
          }
        }
      }
    }), { numRuns: 8, seed: 13 })
  })

  it('a Sybil region of 1,000 identities attached by 3 edges holds at most 5 % of the top 50, and would not without the cap', () => {
    for (const seed of [1, 2, 3]) {
      // the strongest attack of this shape: the 3 attack edges start at creators the member follows, and every Sybil
      // endorses among 5 fresh works (the same graph without the Sybils is generated first to find the followees)
      const base = planted({ communities: 4, creatorsPer: 50, worksPer: 4, follows: 6, endorsements: 8, cross: 0.05, seed, now: NOW })
      const self = base.creators[0]![0]!
      const followed: Array<[number, number]> = []
      const csr = base.graph.adjacency(); const u = base.graph.id(self) as number
      for (let i = csr.start[u] as number; i < (csr.start[u + 1] as number); i++) {
        if (csr.type[i] !== E_FOLLOW) continue
        const m = /c(\d+)m(\d+)$/.exec(base.graph.key(csr.to[i] as number)) as RegExpExecArray
        followed.push([Number(m[1]), Number(m[2])])
      }
      assert.ok(followed.length >= 3)
      const p = planted({ communities: 4, creatorsPer: 50, worksPer: 4, follows: 6, endorsements: 8, cross: 0.05, sybils: 1000, attackEdges: 3, attackFrom: followed.slice(0, 3), sybilPush: 5, seed, now: NOW })
      const sybilIn = (cap?: number, blend?: { endorse: number, walk: number, author: number, recency: number }): number => {
        const items = rank(p.graph, self, { limit: 50, now: NOW, ...(cap != null ? { cap } : {}), ...(blend != null ? { blend } : {}) })
        assert.equal(items.length, 50)
        return items.filter(i => p.workCommunity.get(i.key) === -1).length
      }
      const capped = sybilIn()
      assert.ok(capped <= 2, `seed ${seed}: ${capped} Sybil works in the top 50`)
      // the walks never enter the region (no walked edge leads there), so the attack goes through the trust-weighted
      // endorsements: with a blend that weighs them most, the cap still holds it, and without the cap it works (so
      // the assertions above can fail)
      const heavy = { endorse: 0.5, walk: 0.33, author: 0.17, recency: 0.3 }
      const cappedHeavy = sybilIn(undefined, heavy)
      assert.ok(cappedHeavy <= 2, `seed ${seed}: ${cappedHeavy} Sybil works in the top 50 with endorsements weighed most`)
      const uncapped = sybilIn(1, heavy)
      assert.ok(uncapped > 2, `seed ${seed}: without the cap only ${uncapped} Sybil works in the top 50`)
    }
  })

  it('identities outside the circle of trust that endorse the member\'s own works do not walk it into theirs', () => {
    const g = new DiscoveryGraph()
    const [a, c] = ['did:key:A', 'did:key:C'].map(k => g.node(k, NODE_CREATOR)) as [number, number]
    const mine = g.node('mine', NODE_WORK); g.setWork(mine, NOW, 'image/png', undefined); g.link(c, mine, E_AUTHOR, E_AUTHOR, 'mine')
    const good = g.node('good', NODE_WORK); g.setWork(good, NOW - 86_400_000, 'image/png', undefined); g.link(a, good, E_AUTHOR, E_AUTHOR, 'good')
    g.addEdge(c, a, E_FOLLOW, undefined, 'f')
    g.link(a, good, E_ENDORSE, E_ENDORSED_BY, 'e')
    // 200 identities no one follows: each endorses the member's work and its own fresh work
    for (let i = 0; i < 200; i++) {
      const s = g.node(`did:key:s${i}`, NODE_CREATOR)
      const w = g.node(`sw${i}`, NODE_WORK); g.setWork(w, NOW, 'image/png', undefined); g.link(s, w, E_AUTHOR, E_AUTHOR, `sw${i}`)
      g.link(s, mine, E_ENDORSE, E_ENDORSED_BY, `se${i}`)
      g.link(s, w, E_ENDORSE, E_ENDORSED_BY, `sx${i}`)
    }
    const items = rank(g, 'did:key:C', { limit: 10, now: NOW })
    assert.deepEqual(items.map(i => i.key), ['good'])
  })

  it('is deterministic, and leaves out own and already endorsed works', () => {
    const p = planted({ communities: 3, creatorsPer: 20, worksPer: 3, follows: 5, endorsements: 6, cross: 0.05, seed: 7, now: NOW })
    const self = p.creators[1]![2]!
    const a = rank(p.graph, self, { limit: 30, now: NOW })
    const b = rank(p.graph, self, { limit: 30, now: NOW })
    assert.deepEqual(a, b)
    for (const item of a) {
      assert.ok(!hasEdge(p.graph, self, item.key, E_AUTHOR))
      assert.ok(!hasEdge(p.graph, self, item.key, E_ENDORSE))
    }
  })

  it('C follows A, A endorses B\'s work: B\'s work comes first, "endorsed by Alice, whom you follow"', () => {
    const g = new DiscoveryGraph()
    const [a, b, c] = ['did:key:A', 'did:key:B', 'did:key:C'].map(k => g.node(k, NODE_CREATOR)) as [number, number, number]
    const wb = g.node('workB', NODE_WORK); g.setWork(wb, NOW, 'image/png', undefined); g.link(b, wb, E_AUTHOR, E_AUTHOR, 'workB')
    const wo = g.node('other', NODE_WORK); g.setWork(wo, NOW, 'image/png', undefined); g.link(b, wo, E_AUTHOR, E_AUTHOR, 'other')
    g.addEdge(c, a, E_FOLLOW, undefined, 'f1')
    g.link(a, wb, E_ENDORSE, E_ENDORSED_BY, 'e1')
    const items = rank(g, 'did:key:C', { limit: 5, now: NOW })
    assert.equal(items[0]?.key, 'workB')
    const text = items[0]!.reasons.map(r => words(r, k => k === 'did:key:A' ? 'Alice' : k))
    assert.ok(text.includes('endorsed by Alice, whom you follow'), text.join('; '))
    // the follow revoked: no circle any more, nothing listed
    g.removeRecord('f1')
    assert.deepEqual(rank(g, 'did:key:C', { limit: 5, now: NOW }), [])
  })

  it('demotes a flagged work below an equal unflagged one', () => {
    const g = new DiscoveryGraph()
    const [a, c] = ['did:key:A', 'did:key:C'].map(k => g.node(k, NODE_CREATOR)) as [number, number]
    g.addEdge(c, a, E_FOLLOW)
    for (const k of ['x', 'y']) { const w = g.node(k, NODE_WORK); g.setWork(w, NOW, 'image/png', undefined); g.link(a, w, E_ENDORSE, E_ENDORSED_BY, k) }
    g.flag(g.id('x') as number, true)
    const items = rank(g, 'did:key:C', { limit: 5, now: NOW })
    assert.deepEqual(items.map(i => i.key), ['y', 'x'])
    assert.ok(items[1]!.reasons.some(r => r.code === 'flagged'))
  })
})
