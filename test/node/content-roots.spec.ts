/**
 * What gc keeps beside the pins: the content of every asset record the node holds, counted (index pages) or held
 * in the parking lot (with its bytes, or retired with its body in the index).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assetContent, recordContentRoots } from '../../src/node/content-roots.ts'
import type { RecordQuery, RecordSummary } from '../../src/index/types.ts'

const asset = (content: string): Uint8Array => Buffer.from(JSON.stringify({ credentialSubject: { id: `ipfs://${content}/sub/path`, title: 't' } }))

describe('recordContentRoots', () => {
  it('walks every index page, then the held asset records, bytes or stored body', async () => {
    const summaries: RecordSummary[] = Array.from({ length: 2500 }, (_, i) => ({ cid: `r${i}`, kind: 'asset', author: 'd', time: 0, content: `c${i}` }) as RecordSummary)
    const queries: RecordQuery[] = []
    const index = {
      async query (q: RecordQuery) {
        queries.push(q)
        const start = q.cursor != null ? Number(q.cursor) : 0
        const items = summaries.slice(start, start + (q.limit ?? 50))
        const next = start + items.length
        return { items, cursor: next < summaries.length ? String(next) : null }
      },
      async stored (cid: string) { return cid === 'retired' ? asset('fromIndex') : undefined }
    }
    const parking = {
      async * all () {
        yield { cid: 'h1', kind: 'asset', bytes: Buffer.from(asset('held')).toString('base64') } as any
        yield { cid: 'retired', kind: 'asset' } as any
        yield { cid: 'lic', kind: 'license', bytes: Buffer.from('{}').toString('base64') } as any
        yield { cid: 'gone', kind: 'asset' } as any
      }
    }
    const roots: string[] = []
    for await (const c of recordContentRoots({ index, parking })) roots.push(c)
    assert.equal(roots.length, 2502)
    assert.deepEqual(roots.slice(-2), ['held', 'fromIndex'])
    assert.ok(queries.every(q => q.kind === 'asset'))
    assert.equal(queries.length, 3)
  })

  it('leaves out the counted works a k-copy collective leaves to other holders, never a held (parked) record\'s', async () => {
    const summaries = ['mine', 'theirs', 'plain'].map(c => ({ cid: `r-${c}`, kind: 'asset', author: 'd', time: 0, content: c }) as RecordSummary)
    const index = {
      async query () { return { items: summaries, cursor: null } },
      async stored () { return undefined }
    }
    const parking = { async * all () { yield { cid: 'h', kind: 'asset', bytes: Buffer.from(asset('theirs')).toString('base64') } as any } }
    const roots: string[] = []
    for await (const c of recordContentRoots({ index, parking, leftToHolders: c => c === 'theirs' })) roots.push(c)
    assert.deepEqual(roots, ['mine', 'plain', 'theirs'])
  })

  it('assetContent reads ipfs://<cid>[/path] and nothing from bytes that are not a record', () => {
    assert.equal(assetContent(asset('bafy1')), 'bafy1')
    assert.equal(assetContent(Buffer.from('not json')), undefined)
    assert.equal(assetContent(Buffer.from('{"credentialSubject":{}}')), undefined)
  })
})
