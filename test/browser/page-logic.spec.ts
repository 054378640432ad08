/**
 * The page's logic that needs no browser: the in-browser record check, license terms in words, money and shares.
 * These modules are the ones the page bundles (web/src), run here under Node.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord, nobleCrypto } from '../../src/records/index.ts'
import { LICENSE_PRESETS } from '../../src/records/license-presets.ts'
import type { LicenseSubject } from '../../src/records/index.ts'
import { createVerifier, verifyRecordBytes } from '../../web/src/verify.ts'
import { ApiError, searchRecords } from '../../web/src/api.ts'
import { formatBps, formatTime, parseMoney, plural, shortCid } from '../../web/src/format.ts'
import { edgeBends, generations, layeredPositions } from '../../web/src/layout.ts'
import { licenseLines, licenseName, licenseSentences, sourceTypeWords, trainingSentences } from '../../web/src/words.ts'
import { author, subjects } from '../records/helpers.ts'

const record = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto })

describe('in-browser record check', () => {
  it('verifies a record whose bytes hash to the CID asked for', () => {
    const r = verifyRecordBytes(record.cid, record.bytes)
    assert.equal(r.status, 'verified')
    assert.equal(r.status === 'verified' && r.author, author.did)
  })

  it('flags a record with one byte altered (the proof no longer verifies)', () => {
    const text = new TextDecoder().decode(record.bytes).replace('A note', 'A nose')
    const r = verifyRecordBytes(record.cid, new TextEncoder().encode(text))
    assert.equal(r.status, 'tampered')
    assert.equal(r.status === 'tampered' && r.code, 'ERR_INVALID_SIGNATURE')
  })

  it('flags a valid record sent in place of another (CID mismatch)', () => {
    const other = issueRecord('asset', { ...subjects().asset, title: 'Another' }, { signer: author, crypto: nobleCrypto })
    const r = verifyRecordBytes(record.cid, other.bytes)
    assert.equal(r.status, 'tampered')
    assert.equal(r.status === 'tampered' && r.code, 'ERR_CID_MISMATCH')
  })

  it('flags bytes that are not a record', () => {
    const r = verifyRecordBytes(record.cid, new TextEncoder().encode('{"hello":'))
    assert.equal(r.status, 'tampered')
    assert.equal(r.status === 'tampered' && r.code, 'ERR_MALFORMED_JSON')
  })

  it('fetches each record once, and reports a failed fetch as unchecked rather than as a verdict', async () => {
    let fetches = 0
    let fail = true
    const verifier = createVerifier(async () => {
      fetches++
      if (fail) throw new Error('offline')
      return record.bytes
    })
    assert.equal((await verifier.verify(record.cid)).status, 'unavailable')
    fail = false
    assert.equal((await verifier.verify(record.cid)).status, 'verified')
    assert.equal((await verifier.verify(record.cid)).status, 'verified')
    assert.equal(fetches, 2)
  })
})

describe('records in plain words', () => {
  const license = (preset: keyof typeof LICENSE_PRESETS): LicenseSubject => {
    const p = LICENSE_PRESETS[preset] as { spdx?: string, terms: LicenseSubject['terms'], royaltyPolicy: LicenseSubject['royaltyPolicy'] }
    return { asset: record.cid, terms: p.terms, royaltyPolicy: p.royaltyPolicy, ...(p.spdx != null ? { spdx: p.spdx } : {}) }
  }

  it('names standard licenses and states their terms', () => {
    assert.equal(licenseName(license('cc-by')), 'Creative Commons Attribution 4.0')
    const words = licenseSentences(license('cc-by-nc')).join(' ')
    assert.match(words, /may not use it commercially/)
    assert.match(words, /remix and adapt it, crediting the creators/)
    assert.match(words, /AI training on it: not allowed/)
  })

  it('states revenue shares, reciprocity, fees, territories and expiry of custom terms', () => {
    const subject = license('commercial-remix')
    const custom: LicenseSubject = {
      ...subject,
      royaltyPolicy: 'LRP',
      terms: { ...subject.terms, derivativesApproval: true, mintingFee: { amount: 1250, currency: 'EUR' }, territories: ['FR', 'DE'], expiration: '2030-01-01T00:00:00Z' }
    }
    assert.equal(licenseName(custom), 'Custom terms: commercial remix')
    const words = licenseSentences(custom).join(' ')
    assert.match(words, /10 % of the revenue of commercial derivatives/)
    assert.match(words, /once the licensor approves each derivative/)
    assert.match(words, /same terms/)
    assert.match(words, /pass up the lineage step by step/)
    assert.doesNotMatch(words, /LRP|LAP|liquid/, 'the policy reads in plain words; the term is only on hover')
    assert.equal(licenseLines(custom).find(l => l.term != null)?.term, 'LRP: liquid relative percentage')
    assert.match(words, /12\.50/)
    assert.match(words, /Valid only in: FR, DE/)
    assert.match(words, /Valid until/)
  })

  it('says AI-training permissions and source types in words', () => {
    assert.deepEqual(trainingSentences({ 'cawg.ai_training': { use: 'notAllowed' }, 'cawg.data_mining': { use: 'constrained', constraintInfo: 'research only' } }),
      ['Training AI models: not allowed.', 'Data mining: allowed under conditions (research only).'])
    assert.equal(sourceTypeWords('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia'), 'Generated by AI')
    assert.equal(sourceTypeWords('http://cv.iptc.org/newscodes/digitalsourcetype/somethingNew'), 'something new')
  })
})

describe('formats', () => {
  it('writes dates day-month-year with a 24-hour clock, and counts in proper plurals', () => {
    const t = new Date(2026, 11, 6, 15, 4)
    assert.equal(formatTime(t.getTime()), '6 Dec 2026, 15:04')
    assert.equal(formatTime(new Date(2026, 0, 9, 3, 7).toISOString()), '9 Jan 2026, 03:07')
    assert.equal(plural(1, 'error'), '1 error')
    assert.equal(plural(2, 'problem'), '2 problems')
    assert.equal(plural(0, 'note'), '0 notes')
  })

  it('parses amounts in the currency\'s minor units, refusing what is not one', () => {
    assert.equal(parseMoney('12.5', 'EUR'), 1250)
    assert.equal(parseMoney('100', 'EUR'), 10000)
    assert.equal(parseMoney('7', 'JPY'), 7)
    assert.equal(parseMoney('1.234', 'EUR'), undefined)
    assert.equal(parseMoney('-3', 'EUR'), undefined)
    assert.equal(parseMoney('abc', 'EUR'), undefined)
  })

  it('shows basis points as percentages and shortens CIDs', () => {
    assert.equal(formatBps(1000), '10 %')
    assert.equal(formatBps(50), '0.5 %')
    assert.equal(formatBps(1234), '12.34 %')
    assert.equal(shortCid('bagaaierahu7amjmtrlvo6svgb72sjwexjg62rg6pvye2ov43ec7vdrq3rjgq'), 'bagaaiera…q3rjgq')
  })
})

describe('lineage layout', () => {
  it('puts every work below all of its parents, not just the nearest', () => {
    // a → b → d and c → d: d is two generations down although c is a root
    const edges = [{ parent: 'a', child: 'b' }, { parent: 'b', child: 'd' }, { parent: 'c', child: 'd' }]
    const gen = generations(['d', 'c', 'b', 'a'], edges)
    assert.deepEqual(Object.fromEntries(gen), { a: 0, c: 0, b: 1, d: 2 })
    const pos = layeredPositions(['a', 'b', 'c', 'd'], edges)
    for (const { parent, child } of edges) assert.ok(pos.get(parent)!.y < pos.get(child)!.y, `${parent} above ${child}`)
    assert.equal(new Set([...pos.values()].map(p => `${p.x},${p.y}`)).size, 4, 'no two nodes on one spot')
  })

  it('places every node of a loop, and ignores edges to nodes it was not given', () => {
    const gen = generations(['x', 'y', 'z'], [{ parent: 'x', child: 'y' }, { parent: 'y', child: 'x' }, { parent: 'z', child: 'x' }, { parent: 'q', child: 'z' }])
    assert.equal(gen.size, 3)
    assert.equal(gen.get('z'), 0)
    for (const g of gen.values()) assert.ok(Number.isInteger(g) && g >= 0)
  })

  it('bends a link that skips a generation around the work in between, and keeps direct links straight', () => {
    // a → b → c in one column, and c made from a directly: that link would pass behind b, its label under b's picture
    const edges = [{ parent: 'a', child: 'b' }, { parent: 'b', child: 'c' }, { parent: 'a', child: 'c' }]
    const pos = layeredPositions(['a', 'b', 'c'], edges)
    assert.equal(pos.get('a')!.x, pos.get('c')!.x, 'one column')
    const sizes = { node: 64, titleGap: 6, titleChar: 7.5, titleLine: 17, titleMaxWidth: 150, labelChar: 7, labelHeight: 18 }
    const bends = edgeBends(pos, new Map([['a', 'Sunrise'], ['b', 'Remix'], ['c', 'Night']]),
      edges.map(e => ({ id: `${e.parent}-${e.child}`, source: e.child, target: e.parent, label: 'made from' })), sizes)
    assert.equal(bends.get('a-b'), 0)
    assert.equal(bends.get('b-c'), 0)
    const bend = bends.get('a-c')!
    // the label sits half the bend off the straight line: clear of b's picture (32) and half the label (~36)
    assert.ok(Math.abs(bend) / 2 > 32 + 36, `bent by ${bend}`)
  })
})

describe('search', () => {
  const realFetch = globalThis.fetch
  const asset = (cid: string, title: string, mediaType: string): object => ({
    cid, kind: 'asset', author: author.did, time: '2026-01-01T00:00:00.000Z', record: { credentialSubject: { id: `ipfs://bafy${cid}`, title, mediaType } }
  })
  /** a node whose answers are `routes[path]`, or a 404 naming the route */
  function node (routes: Record<string, unknown>, asked: string[]): typeof fetch {
    return (async (input: string | URL | Request) => {
      const url = String(input)
      asked.push(url)
      const path = url.split('?')[0]
      if (path in routes) return new Response(JSON.stringify(routes[path]), { status: 200 })
      return new Response(JSON.stringify({ error: { code: 'ERR_NOT_FOUND', name: 'NotFoundError', message: `no route GET ${path}` } }), { status: 404 })
    }) as typeof fetch
  }

  it('uses /v1/search with the filters given', async () => {
    const asked: string[] = []
    globalThis.fetch = node({ '/v1/search': { items: [{ cid: 'a', kind: 'asset', author: author.did, time: 't', title: 'Sunrise' }], cursor: 'next' } }, asked)
    try {
      const page = await searchRecords({ q: 'sun', kind: 'asset', mediaType: 'image/png', limit: 10 })
      assert.equal(page.fullText, true)
      assert.equal(page.cursor, 'next')
      assert.deepEqual(asked, ['/v1/search?q=sun&kind=asset&mediaType=image%2Fpng&limit=10'])
    } finally { globalThis.fetch = realFetch }
  })

  it('falls back to /v1/records on a node without /v1/search, matching titles and media types itself', async () => {
    const asked: string[] = []
    globalThis.fetch = node({ '/v1/records': { items: [asset('a', 'Sunrise', 'image/png'), asset('b', 'Sunset', 'image/png'), asset('c', 'Sunrise song', 'audio/wav')], cursor: null } }, asked)
    try {
      const page = await searchRecords({ q: 'SUNRISE', kind: 'asset', mediaType: 'image/png' })
      assert.equal(page.fullText, false)
      assert.deepEqual(page.items.map(i => [i.cid, i.title, i.content]), [['a', 'Sunrise', 'bafya']])
      assert.deepEqual(asked, ['/v1/search?q=SUNRISE&kind=asset&mediaType=image%2Fpng', '/v1/records?kind=asset'])
    } finally { globalThis.fetch = realFetch }
  })

  it('passes the node\'s own error on, with its code', async () => {
    globalThis.fetch = (async () => new Response(JSON.stringify({ error: { code: 'ERR_INVALID_REQUEST', name: 'InvalidRequestError', message: 'kind must be one of asset, license' } }), { status: 400 })) as typeof fetch
    try {
      await assert.rejects(searchRecords({ kind: 'nope' }), (err: unknown) => err instanceof ApiError && err.code === 'ERR_INVALID_REQUEST' && /kind must be/.test(err.message))
    } finally { globalThis.fetch = realFetch }
  })
})
