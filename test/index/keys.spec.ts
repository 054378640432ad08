import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeCursor, decodeTime, encodeCursor, encodeTime, position, positionCid } from '../../src/index/keys.ts'
import { InvalidRecordError } from '../../src/errors.ts'
import { entriesOf, parentsOf, summarize } from '../../src/index/entries.ts'
import { fakeCid, fakeContentCid, fakeDid, makeAsset, makeGrant } from './fixtures.ts'

describe('index keys', () => {
  it('encodes times fixed-width so text order is time order', () => {
    const times = [-62_167_219_200_000, -1, 0, 1, 9, 10, 999, 1_700_000_000_000, 1_700_000_000_001, 253_402_300_799_999]
    const encoded = times.map(encodeTime)
    assert.ok(encoded.every(e => e.length === encoded[0].length))
    assert.deepEqual([...encoded].sort(), encoded)
    for (const t of times) assert.equal(decodeTime(encodeTime(t)), t)
  })

  it('orders positions by time, then CID', () => {
    const a = position(5, 'bafyb')
    const b = position(5, 'bafyc')
    const c = position(6, 'bafya')
    assert.ok(a < b && b < c)
    assert.equal(positionCid(b), 'bafyc')
  })

  it('round-trips cursors and rejects anything else', () => {
    const pos = position(1_700_000_000_000, fakeCid())
    assert.equal(decodeCursor(encodeCursor(pos)), pos)
    for (const bad of ['', 'not a cursor!', Buffer.from('hello').toString('base64url'), Buffer.from('123\x00bafy').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad), { name: 'InvalidRequestError', code: 'ERR_INVALID_REQUEST' })
    }
  })
})

describe('index entries', () => {
  it('summarises an asset and lists its lineage references in ingredient order without repeats', () => {
    const author = fakeDid()
    const p1 = fakeCid()
    const content = fakeContentCid()
    const asset = makeAsset({
      author,
      time: 1000,
      title: 't',
      content,
      parents: [p1, { relationship: 'inputTo', content: `ipfs://${content}/x` }, p1, { relationship: 'componentOf', kind: 'model', title: 'no link' }]
    })
    const s = summarize(asset)
    assert.deepEqual(s, { cid: asset.cid, kind: 'asset', author, time: 1000, title: 't', content })
    assert.deepEqual(parentsOf(asset), [['r', p1, 'parentOf'], ['c', content, 'inputTo']])
    const subs = entriesOf(asset).map(e => e.sublevel).sort()
    assert.deepEqual(subs, ['author', 'body', 'children', 'children', 'children', 'children', 'content', 'kind', 'parents', 'summary', 'time'])
  })

  it('summarises a grant with its license, asset and licensee', () => {
    const g = makeGrant({ author: fakeDid(), time: 1, license: fakeCid(), asset: fakeCid(), licensee: fakeDid(), collective: fakeCid() })
    const s = summarize(g)
    assert.equal(s.licensee, g.credential.credentialSubject.id)
    assert.equal(s.collective, g.collective)
    assert.deepEqual(entriesOf(g).map(e => e.sublevel).sort(), ['author', 'body', 'collective', 'grants', 'kind', 'licensee', 'summary', 'time'])
  })

  it('refuses key parts holding the separator', () => {
    const bad = makeAsset({ author: 'did:key:z6Mk\x00evil', time: 1 })
    assert.throws(() => entriesOf(bad), InvalidRecordError)
  })
})
