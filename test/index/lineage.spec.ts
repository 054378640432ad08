import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Lineage, LineageQuery, RecordIndex } from '../../src/index/index.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import { fakeCid, fakeContentCid, fakeDid, makeAsset, openTempIndex } from './fixtures.ts'

async function withIndex (fn: (index: RecordIndex) => Promise<void>): Promise<void> {
  const { index, done } = await openTempIndex()
  try {
    await fn(index)
  } finally {
    await done()
  }
}

const nodeMap = (l: Lineage): Map<string, { depth: number, side: string, present: boolean, title?: string }> =>
  new Map(l.nodes.map(n => [n.cid, n]))

const edgeSet = (l: Lineage): string[] => l.edges.map(e => `${e.from}>${e.to}:${e.relationship}`).sort()

/** Every page of a lineage query */
async function allLineagePages (index: RecordIndex, root: string, q: LineageQuery): Promise<Lineage[]> {
  const pages: Lineage[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await index.lineage(root, { ...q, cursor })
    pages.push(page)
    if (page.cursor == null) return pages
    cursor = page.cursor
  }
}

/**
 *   g0 ← g1 ← g2 ← g3 ← g4      (gN is a parent of gN+1)
 *              ↖ side (componentOf g1)
 *   diamond: top ← left, top ← right, left ← bottom, right ← bottom
 */
function chain (author: string, length: number): ValidRecord<'asset'>[] {
  const out: ValidRecord<'asset'>[] = []
  for (let i = 0; i < length; i++) {
    out.push(makeAsset({ author, time: 1000 + i, title: `g${i}`, parents: i > 0 ? [out[i - 1].cid] : [] }))
  }
  return out
}

describe('RecordIndex.lineage', () => {
  it('walks ancestors breadth-first with depths, sides and relationships', () => withIndex(async index => {
    const author = fakeDid()
    const g = chain(author, 5)
    const side = makeAsset({ author, time: 2000, title: 'side', parents: [{ relationship: 'componentOf', record: g[1].cid }] })
    await index.put([...g, side])
    const l = await index.lineage(g[4].cid, { direction: 'ancestors' })
    assert.equal(l.root, g[4].cid)
    assert.deepEqual(l.nodes.map(n => [n.cid, n.depth, n.side]), [
      [g[4].cid, 0, 'root'], [g[3].cid, 1, 'ancestor'], [g[2].cid, 2, 'ancestor'], [g[1].cid, 3, 'ancestor'], [g[0].cid, 4, 'ancestor']
    ])
    assert.deepEqual(l.nodes[1], { cid: g[3].cid, depth: 1, side: 'ancestor', title: 'g3', author, content: g[3].credential.credentialSubject.id.slice(7), present: true })
    assert.deepEqual(l.edges, [3, 2, 1, 0].map(i => ({ from: g[i + 1].cid, to: g[i].cid, relationship: 'parentOf' })))
    assert.equal(l.cursor, null)

    const s = await index.lineage(side.cid)
    assert.deepEqual(edgeSet(s), [`${side.cid}>${g[1].cid}:componentOf`, `${g[1].cid}>${g[0].cid}:parentOf`].sort())
  }))

  it('walks descendants and both directions', () => withIndex(async index => {
    const author = fakeDid()
    const g = chain(author, 5)
    await index.put(g)
    const down = await index.lineage(g[0].cid, { direction: 'descendants' })
    assert.deepEqual(down.nodes.map(n => [n.cid, n.depth, n.side]), [
      [g[0].cid, 0, 'root'], [g[1].cid, 1, 'descendant'], [g[2].cid, 2, 'descendant'], [g[3].cid, 3, 'descendant'], [g[4].cid, 4, 'descendant']
    ])
    assert.deepEqual(down.edges, [0, 1, 2, 3].map(i => ({ from: g[i + 1].cid, to: g[i].cid, relationship: 'parentOf' })))

    const both = await index.lineage(g[2].cid, { direction: 'both' })
    const nodes = nodeMap(both)
    assert.equal(nodes.size, 5)
    assert.deepEqual([g[0], g[1], g[2], g[3], g[4]].map(r => [nodes.get(r.cid)?.side, nodes.get(r.cid)?.depth]), [
      ['ancestor', 2], ['ancestor', 1], ['root', 0], ['descendant', 1], ['descendant', 2]
    ])
    assert.equal(both.edges.length, 4)
  }))

  it('stops at the depth limit', () => withIndex(async index => {
    const g = chain(fakeDid(), 8)
    await index.put(g)
    const l = await index.lineage(g[7].cid, { depth: 3 })
    assert.deepEqual(l.nodes.map(n => n.depth), [0, 1, 2, 3])
    assert.equal(l.edges.length, 3)
    const rootOnly = await index.lineage(g[7].cid, { depth: 0 })
    assert.deepEqual(rootOnly.nodes.map(n => n.cid), [g[7].cid])
    assert.deepEqual(rootOnly.edges, [])
    const deep = await index.lineage(g[7].cid, { depth: 1000 })
    assert.equal(deep.nodes.length, 8, 'depth is clamped, not refused')
    await assert.rejects(index.lineage(g[7].cid, { depth: -1 }), { name: 'InvalidRequestError' })
    await assert.rejects(index.lineage(g[7].cid, { direction: 'up' as 'ancestors' }), { name: 'InvalidRequestError' })
  }))

  it('visits a shared ancestor once (diamond)', () => withIndex(async index => {
    const author = fakeDid()
    const top = makeAsset({ author, time: 1, title: 'top' })
    const left = makeAsset({ author, time: 2, parents: [top.cid] })
    const right = makeAsset({ author, time: 3, parents: [{ relationship: 'inputTo', record: top.cid }] })
    const bottom = makeAsset({ author, time: 4, parents: [left.cid, right.cid] })
    await index.put([bottom, right, left, top])
    const l = await index.lineage(bottom.cid)
    assert.deepEqual(l.nodes.map(n => n.cid), [bottom.cid, left.cid, right.cid, top.cid])
    assert.deepEqual(edgeSet(l), [
      `${bottom.cid}>${left.cid}:parentOf`, `${bottom.cid}>${right.cid}:parentOf`,
      `${left.cid}>${top.cid}:parentOf`, `${right.cid}>${top.cid}:inputTo`
    ].sort())
    const d = await index.lineage(top.cid, { direction: 'descendants' })
    assert.deepEqual(new Set(d.nodes.map(n => n.cid)), new Set([top.cid, left.cid, right.cid, bottom.cid]))
    assert.equal(d.edges.length, 4)
  }))

  it('follows content-level references and ends on a cycle', () => withIndex(async index => {
    const author = fakeDid()
    const x = fakeContentCid()
    const y = fakeContentCid()
    // a is content x made from content y; b is content y made from content x: a cycle through content
    const a = makeAsset({ author, time: 1, title: 'a', content: x, parents: [{ relationship: 'parentOf', content: y }] })
    const b = makeAsset({ author, time: 2, title: 'b', content: y, parents: [{ relationship: 'inputTo', content: `ipfs://${x}` }] })
    // c names its own content: no self edge
    const c = makeAsset({ author, time: 3, title: 'c', content: x, parents: [{ relationship: 'parentOf', content: x }] })
    await index.put([a, b, c])
    for (const direction of ['ancestors', 'descendants', 'both'] as const) {
      const l = await index.lineage(a.cid, { direction, depth: 50 })
      const cids = l.nodes.map(n => n.cid)
      assert.equal(new Set(cids).size, cids.length, `${direction}: each node once`)
      assert.ok(cids.includes(b.cid), `${direction}: reaches b`)
      assert.ok(l.edges.every(e => e.from !== e.to), 'no self edges')
    }
    const up = await index.lineage(a.cid, { depth: 50 })
    assert.deepEqual(edgeSet(up), [`${a.cid}>${b.cid}:parentOf`, `${b.cid}>${a.cid}:inputTo`, `${b.cid}>${c.cid}:inputTo`, `${c.cid}>${a.cid}:parentOf`].sort())
  }))

  it('shows a parent not yet held as present: false, then present once it arrives', () => withIndex(async index => {
    const author = fakeDid()
    const parent = makeAsset({ author, time: 1, title: 'parent' })
    const child = makeAsset({ author, time: 2, title: 'child', parents: [{ relationship: 'componentOf', record: parent.cid }] })
    await index.put([child])
    let l = await index.lineage(child.cid)
    assert.deepEqual(l.nodes[1], { cid: parent.cid, depth: 1, side: 'ancestor', present: false })
    assert.deepEqual(l.edges, [{ from: child.cid, to: parent.cid, relationship: 'componentOf' }])
    const fromParent = await index.lineage(parent.cid, { direction: 'descendants' })
    assert.deepEqual(fromParent.nodes.map(n => [n.cid, n.present]), [[parent.cid, false], [child.cid, true]])

    await index.put([parent])
    l = await index.lineage(child.cid)
    assert.deepEqual(l.nodes[1], { cid: parent.cid, depth: 1, side: 'ancestor', title: 'parent', author, content: parent.credential.credentialSubject.id.slice(7), present: true })
    const unknown = await index.lineage(fakeCid())
    assert.deepEqual(unknown.nodes.map(n => n.present), [false])
  }))

  it('pages a wide graph: every node and edge exactly once', () => withIndex(async index => {
    const author = fakeDid()
    const root = makeAsset({ author, time: 1, title: 'root' })
    const children = Array.from({ length: 1200 }, (_, i) => makeAsset({ author, time: 10 + i, parents: [root.cid] }))
    // grandchildren linking two children each: edges between page boundaries
    const grand = Array.from({ length: 300 }, (_, i) => makeAsset({ author, time: 5000 + i, parents: [children[i].cid, children[1199 - i].cid] }))
    await index.put([root, ...children, ...grand])
    const pages = await allLineagePages(index, root.cid, { direction: 'descendants', limit: 97 })
    assert.equal(pages.length, Math.ceil(1501 / 97))
    const nodes = pages.flatMap(p => p.nodes.map(n => n.cid))
    assert.equal(nodes.length, 1501)
    assert.equal(new Set(nodes).size, 1501)
    assert.ok(pages.slice(0, -1).every(p => p.nodes.length === 97))
    const edges = pages.flatMap(p => p.edges.map(e => `${e.from}>${e.to}`))
    assert.equal(edges.length, 1200 + 600)
    assert.equal(new Set(edges).size, edges.length)
    // an edge is on the page of its later node, so both of its ends are known by then
    const seen = new Set<string>()
    for (const p of pages) {
      for (const n of p.nodes) seen.add(n.cid)
      for (const e of p.edges) assert.ok(seen.has(e.from) && seen.has(e.to))
    }
    // the single-page answer is the same as the pages joined
    const whole = await index.lineage(root.cid, { direction: 'descendants', limit: 5000 })
    assert.deepEqual(whole.nodes.map(n => n.cid), nodes)
    assert.equal(whole.cursor, null)

    // a child with many parents pages the same way going up
    const many = makeAsset({ author, time: 9999, parents: children.slice(0, 250).map(c => c.cid) })
    await index.put([many])
    const up = await allLineagePages(index, many.cid, { limit: 100 })
    const upNodes = up.flatMap(p => p.nodes.map(n => n.cid))
    assert.equal(upNodes.length, 252) // many, 250 children, root
    assert.equal(new Set(upNodes).size, 252)
    assert.equal(up.flatMap(p => p.edges).length, 500)
  }))

  it('rejects a cursor from another lineage query', () => withIndex(async index => {
    const author = fakeDid()
    const root = makeAsset({ author, time: 1 })
    const kids = Array.from({ length: 5 }, (_, i) => makeAsset({ author, time: 2 + i, parents: [root.cid] }))
    await index.put([root, ...kids])
    const first = await index.lineage(root.cid, { direction: 'descendants', limit: 2 })
    assert.ok(first.cursor != null)
    await assert.rejects(index.lineage(kids[0].cid, { direction: 'descendants', cursor: first.cursor }), { name: 'InvalidRequestError' })
    await assert.rejects(index.lineage(root.cid, { direction: 'ancestors', cursor: first.cursor }), { name: 'InvalidRequestError' })
    await assert.rejects(index.lineage(root.cid, { direction: 'descendants', cursor: 'nope!' }), { name: 'InvalidRequestError' })
  }))
})
