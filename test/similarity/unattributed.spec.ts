/**
 * The look-alike rule (protocols/verification.md 5a) over a real index: which pairs of similar works are
 * unattributed, and every way a pair is acknowledged. The similarity itself is given (codes chosen by the test):
 * what is judged here is the record set around the pair, and the report finding built on it.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createIndexLineageView } from '../../src/lineage/index-view.ts'
import { verifyProvenance } from '../../src/lineage/verify.ts'
import { LinearScan, PairJudge, SimilarWorks, createPairView } from '../../src/similarity/index.ts'
import type { PairView, WorkCodes } from '../../src/similarity/index.ts'
import { DAY, World } from '../lineage/verify-fixtures.ts'

const MATCH = { alg: 'pdq-256', distance: 9 }

describe('unattributed look-alikes', () => {
  let w: World
  let view: PairView
  before(async () => {
    w = await World.create()
    const lineage = createIndexLineageView({ index: w.index, store: { getRecord: async (cid) => w.records.get(cid) as Uint8Array } })
    view = createPairView(lineage, async (q) => await w.index.query(q))
  })
  after(async () => { await w.close() })

  const judge = async (a: string, b: string) => await new PairJudge(view).judge(a, { cid: b, ...MATCH })

  it('a later work by another author is unattributed, whichever side the question starts from', async () => {
    const first = await w.asset({ by: 'ann', title: 'harbour' })
    const copy = await w.asset({ by: 'mallory', title: 'my harbour' })
    const fromCopy = await judge(copy.cid, first.cid)
    assert.deepEqual(fromCopy, await judge(first.cid, copy.cid))
    assert.equal(fromCopy?.later, copy.cid)
    assert.equal(fromCopy?.earlier, first.cid)
    assert.equal(fromCopy?.earlierAuthor, first.author)
  })

  it('no pair: same author, a co-creator, the same time, or the same content (that is claim.conflict)', async () => {
    const a1 = await w.asset({ by: 'ann' })
    const a2 = await w.asset({ by: 'ann' })
    assert.equal(await judge(a2.cid, a1.cid), undefined)
    const same = await w.asset({ by: 'bob', at: a2.time })
    assert.equal(await judge(same.cid, a2.cid), undefined)
    const content = (a1.credential.credentialSubject.id).replace('ipfs://', '')
    const claim = await w.asset({ by: 'carl', content })
    assert.equal(await judge(claim.cid, a1.cid), undefined)
    const subject = { ...a1.credential.credentialSubject, id: `ipfs://${(await w.asset({ by: 'x' })).credential.credentialSubject.id.slice(7)}`, creators: [{ id: w.did('dora'), share: 5000 }, { id: w.did('ann'), share: 5000 }] }
    const coCreated = await w.issue('asset', subject, 'dora')
    assert.equal(await judge(coCreated.cid, a1.cid), undefined)
  })

  it('no pair along a lineage path, through a grant, or a license of the later work by the earlier author', async () => {
    const first = await w.asset({ by: 'ann' })
    const parentCid = first.cid
    const child = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: parentCid }] })
    const grandchild = await w.asset({ by: 'carl', ingredients: [{ relationship: 'parentOf', record: child.cid }] })
    assert.equal(await judge(child.cid, first.cid), undefined)
    assert.equal(await judge(grandchild.cid, first.cid), undefined, 'two hops up is still lineage')
    const byContent = await w.asset({ by: 'erin', ingredients: [{ relationship: 'componentOf', content: first.credential.credentialSubject.id.slice(7) }] })
    assert.equal(await judge(byContent.cid, first.cid), undefined, 'naming its content is lineage too')

    const granted = await w.asset({ by: 'fay' })
    const first2 = await w.asset({ by: 'gus', at: granted.time - DAY })
    assert.ok(await judge(granted.cid, first2.cid) != null)
    const offer = await w.license(first2, 'gus')
    await w.grant(offer, 'fay', 'gus')
    assert.equal(await judge(granted.cid, first2.cid), undefined)

    const endorsed = await w.asset({ by: 'hal' })
    const first3 = await w.asset({ by: 'ivy', at: endorsed.time - DAY })
    await w.license(endorsed, 'ivy')
    assert.equal(await judge(endorsed.cid, first3.cid), undefined)
  })

  it('no pair once either author withdraws the work', async () => {
    const first = await w.asset({ by: 'jan' })
    const copy = await w.asset({ by: 'kim' })
    assert.ok(await judge(copy.cid, first.cid) != null)
    await w.revoke(copy, 'kim', copy.time)
    assert.equal(await judge(copy.cid, first.cid), undefined)
  })

  it('the provenance report carries the finding on the later work only, naming the earlier one', async () => {
    const first = await w.asset({ by: 'lea', title: 'dusk' })
    const copy = await w.asset({ by: 'max', title: 'dusk copy' })
    const pdq = { hash: '5a'.repeat(32), quality: 90 }
    const codes = new Map<string, WorkCodes>([[first.cid, { image: { pdq } }], [copy.cid, { image: { pdq } }]])
    const works = new SimilarWorks({ search: () => new LinearScan(), codesOf: async (cid) => codes.get(cid) })
    for (const [cid, c] of codes) works.add(cid, c)
    const unattributed = async (cid: string) => {
      const judge = new PairJudge(view)
      const out = []
      for (const m of (await works.query({ codes: codes.get(cid) ?? {}, exclude: cid })).works) {
        const p = await judge.judge(cid, m)
        if (p?.later === cid) out.push(p)
      }
      return out
    }
    const reportView = { ...w.view(), unattributed }
    const report = await verifyProvenance(reportView, copy.cid, { now: w.clock + DAY })
    const f = report.findings.find(x => x.code === 'possible.unattributed_derivative')
    assert.deepEqual(f?.related, [first.cid])
    assert.equal(f?.severity, 'warning')
    assert.equal(report.verdict, 'warnings')
    const clean = await verifyProvenance(reportView, first.cid, { now: w.clock + DAY })
    assert.equal(clean.findings.some(x => x.code === 'possible.unattributed_derivative'), false)
  })
})
