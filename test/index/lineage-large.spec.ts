/**
 * Lineage on a generated graph of 10,000 assets, checked against an independent breadth-first walk of the same graph.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Lineage, RecordIndex } from '../../src/index/index.ts'
import { fakeDid, makeAsset, openTempIndex, seeded } from './fixtures.ts'

const ASSETS = 10_000

describe('lineage over 10,000 assets', { timeout: 120_000 }, () => {
  let index: RecordIndex
  let done: () => Promise<void>
  const parents = new Map<string, string[]>()
  const children = new Map<string, string[]>()
  const cids: string[] = []

  before(async () => {
    ({ index, done } = await openTempIndex())
    const random = seeded(7)
    const authors = Array.from({ length: 20 }, fakeDid)
    const records = []
    for (let i = 0; i < ASSETS; i++) {
      // 20 % originals; others derive from 1–3 earlier works, mostly recent ones
      const ps: string[] = []
      if (i > 0 && random() > 0.2) {
        const n = 1 + Math.floor(random() * 3)
        for (let k = 0; k < n; k++) {
          const j = Math.max(0, i - 1 - Math.floor(random() ** 3 * Math.min(i, 500)))
          if (!ps.includes(cids[j])) ps.push(cids[j])
        }
      }
      const r = makeAsset({ author: authors[i % authors.length], time: 1_700_000_000_000 + i, title: `work ${i}`, parents: ps })
      cids.push(r.cid)
      parents.set(r.cid, ps)
      for (const p of ps) children.set(p, [...(children.get(p) ?? []), r.cid])
      records.push(r)
    }
    for (let i = 0; i < records.length; i += 500) await index.put(records.slice(i, i + 500))
  })

  after(async () => { await done?.() })

  /** Depth of every node reachable from `root` within `depth` hops, walking `next` */
  function bfs (root: string, next: Map<string, string[]>, depth: number): Map<string, number> {
    const seen = new Map([[root, 0]])
    let frontier = [root]
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const nextFrontier: string[] = []
      for (const c of frontier) {
        for (const n of next.get(c) ?? []) {
          if (!seen.has(n)) { seen.set(n, d); nextFrontier.push(n) }
        }
      }
      frontier = nextFrontier
    }
    return seen
  }

  async function allPages (root: string, direction: 'ancestors' | 'descendants', depth: number): Promise<Lineage['nodes']> {
    const nodes: Lineage['nodes'] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 1000; pages++) {
      const page = await index.lineage(root, { direction, depth, limit: 50, cursor })
      nodes.push(...page.nodes)
      if (page.cursor == null) return nodes
      cursor = page.cursor
    }
    throw new Error('lineage pagination did not end')
  }

  it('ancestors at every depth limit match an independent walk', async () => {
    for (const root of [cids[ASSETS - 1], cids[ASSETS / 2], cids[1234]]) {
      for (const depth of [1, 3, 20]) {
        const expected = bfs(root, parents, depth)
        const nodes = await allPages(root, 'ancestors', depth)
        assert.equal(new Set(nodes.map(n => n.cid)).size, nodes.length, 'no node twice across pages')
        assert.deepEqual(new Map(nodes.map(n => [n.cid, n.depth])), expected, `ancestors of ${root} to depth ${depth}`)
        assert.ok(nodes.every(n => n.present))
      }
    }
  })

  it('descendants of an early work, paginated, match an independent walk', async () => {
    const root = cids[3]
    const expected = bfs(root, children, 12)
    assert.ok(expected.size > 500, `a wide graph (${expected.size} nodes) needs many pages`)
    const nodes = await allPages(root, 'descendants', 12)
    assert.equal(new Set(nodes.map(n => n.cid)).size, nodes.length, 'no node twice across pages')
    assert.deepEqual(new Map(nodes.map(n => [n.cid, n.depth])), expected)
  })
})
