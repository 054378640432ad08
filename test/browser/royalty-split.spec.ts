/**
 * The royalty split the page computes itself (web/src/royalty-split.ts), under Node: over a node that answers
 * honestly it gives exactly the node's split (same code, same records); over a node that alters a record, lists a
 * forged one or slips in a stranger's, it gives the honest split or no split at all.
 *
 * The "node" here is the record set of a LineageBuilder served through the same paths the page asks for
 * (/v1/assets/<cid>/licenses, /v1/records?kind=…), and the page's own verifier over the records' real bytes.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { splitRoyalties } from '../../src/lineage/royalties.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { splitInBrowser } from '../../web/src/royalty-split.ts'
import { createVerifier } from '../../web/src/verify.ts'
import { LineageBuilder, person } from '../lineage/royalties-fixtures.ts'

const names = ['ana', 'ben', 'cai', 'dee', 'eve', 'fay', 'gus']
const p = Object.fromEntries(names.map(n => [n, person(n)]))

/** The lineage of royalties.spec.ts ("figures computed by hand"), plus a content-only parent and a revoked license */
function lineage (): { g: LineageBuilder, song: string, sample: string } {
  const g = new LineageBuilder(Object.values(p))
  const sample = g.asset({ title: 'Sample', creators: [[p.fay.did, 10000]] })
  const poem = g.asset({ title: 'Poem', creators: [[p.gus.did, 10000]] })
  const beat = g.asset({ title: 'Beat', creators: [[p.cai.did, 10000]], parents: [sample] })
  const lyrics = g.asset({ title: 'Lyrics', creators: [[p.dee.did, 5000], [p.eve.did, 5000]], parents: [poem] })
  // named by its content only: the page asks the node which asset records hold that content
  const song = g.asset({ title: 'Song', creators: [[p.ana.did, 6000], [p.ben.did, 4000]], parents: [beat, { content: g.content(lyrics), relationship: 'parentOf' }] })
  g.license(sample, { rate: 2000, policy: 'LRP' })
  g.license(poem, { rate: 200, policy: 'LAP' })
  g.license(beat, { rate: 1000, policy: 'LRP' })
  g.license(lyrics, { rate: 500, policy: 'LAP', splits: [[p.dee.did, 5000], [p.eve.did, 5000]] })
  // withdrawn by its issuer: it must not count, in the browser as on the node
  g.revoke(g.license(poem, { rate: 5000, policy: 'LAP' }), { effectiveFrom: '2025-01-02T00:00:00Z' })
  return { g, song, sample }
}

interface FakeNode {
  /** bytes served for a record CID (the raw route) */
  bytes: Map<string, Uint8Array>
  /** records the listings name */
  records: ValidRecord[]
}

function nodeOf (records: ValidRecord[]): FakeNode {
  return { bytes: new Map(records.map(r => [r.cid, r.bytes])), records: [...records] }
}

/** The listings the page reads, answered from the node's records */
function sources (node: FakeNode): Parameters<typeof splitInBrowser>[2] {
  const items = (f: (r: ValidRecord) => boolean): { items: Array<{ cid: string }>, cursor: null } => ({ items: node.records.filter(f).map(r => ({ cid: r.cid })), cursor: null })
  const subject = (r: ValidRecord): any => r.credential.credentialSubject
  return {
    verifier: createVerifier(async cid => {
      const b = node.bytes.get(cid)
      if (b == null) throw new Error('404')
      return b
    }),
    getJson: async <T>(path: string): Promise<T> => {
      const url = new URL(path, 'http://node')
      const licenses = /^\/v1\/assets\/([^/]+)\/licenses$/.exec(url.pathname)
      if (licenses != null) return items(r => r.kind === 'license' && subject(r).asset === licenses[1]) as T
      const q = url.searchParams
      if (url.pathname === '/v1/records' && q.get('kind') === 'asset') return items(r => r.kind === 'asset' && String(subject(r).id) === `ipfs://${q.get('content') ?? ''}`) as T
      if (url.pathname === '/v1/records' && q.get('kind') === 'revocation') return items(r => r.kind === 'revocation' && subject(r).record === q.get('target')) as T
      throw new Error(`unexpected request ${path}`)
    }
  }
}

const money = { amount: 999, currency: 'EUR' }
const AT = Date.UTC(2026, 0, 1)

describe('royalty split computed in the browser', () => {
  it('gives exactly the node\'s split from an honest node (LAP, LRP, content-only parent, revoked license)', async () => {
    const { g, song } = lineage()
    const mine = await splitInBrowser(song, money, sources(nodeOf(g.records)))
    assert.equal(mine.status, 'computed')
    const theirs = await splitRoyalties(g.view, song, money, { at: AT })
    assert.deepEqual(mine.status === 'computed' && mine.report.payees, theirs.payees)
    assert.deepEqual(mine.status === 'computed' && mine.report.lines, theirs.lines)
    assert.equal(mine.status === 'computed' && mine.checked, g.records.length)
  })

  it('gives no split when a record it needs was altered', async () => {
    const { g, song, sample } = lineage()
    const node = nodeOf(g.records)
    const license = g.records.find(r => r.kind === 'license' && (r.credential.credentialSubject as any).asset === sample)!
    node.bytes.set(license.cid, new TextEncoder().encode(new TextDecoder().decode(license.bytes).replace('"commercialRevShare":2000', '"commercialRevShare":9000')))
    const mine = await splitInBrowser(song, money, sources(node))
    assert.equal(mine.status, 'unverified')
    assert.deepEqual(mine.status === 'unverified' && mine.failed.map(f => [f.cid, f.status]), [[license.cid, 'tampered']])
  })

  it('ignores a record listed where it does not belong, and a revocation is read from its own bytes', async () => {
    const { g, song } = lineage()
    const node = nodeOf(g.records)
    const honest = await splitRoyalties(g.view, song, money, { at: AT })
    // the node lists a valid record of another kind as a license, and a revocation of a license it never names
    const asset = g.records.find(r => r.kind === 'asset')!
    const revocation = g.records.find(r => r.kind === 'revocation')!
    node.records.push({ ...asset, kind: 'license', credential: { ...asset.credential, credentialSubject: { asset: song } } as any })
    node.records.push({ ...revocation, credential: { ...revocation.credential, credentialSubject: { record: g.records.find(r => r.kind === 'license')!.cid } } as any })
    const mine = await splitInBrowser(song, money, sources(node))
    assert.equal(mine.status, 'computed')
    assert.deepEqual(mine.status === 'computed' && mine.report.payees, honest.payees)
  })
})
