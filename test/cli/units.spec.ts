/** Pure parts of the CLI: sanitising, flag parsers, request bodies, the lineage tree */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidArgumentError } from 'commander'
import { safeJson, stripControl, table, shortId, formatBytes } from '../../src/cli/output.ts'
import * as parse from '../../src/cli/parse.ts'
import { assetBody, licenseChoice } from '../../src/cli/commands/add.ts'
import { licenseBody } from '../../src/cli/commands/license.ts'
import { lineageTree } from '../../src/cli/commands/lineage.ts'
import { daemonOverrides } from '../../src/cli/commands/daemon.ts'
import { ipfsPath, looksBinary } from '../../src/cli/download.ts'
import { pinPurpose } from '../../src/cli/commands/pin.ts'
import { UsageError } from '../../src/cli/errors.ts'
import { COMMANDS, flow } from '../../src/cli/program.ts'
import { formatMinorUnits } from '../../src/cli/commands/royalties.ts'
import { CIDS } from './helpers.ts'

describe('output', () => {
  it('stripControl removes escapes, C0/C1 controls, bidi overrides; tabs become spaces', () => {
    assert.equal(stripControl('a\u001b[31mred\u001b[0m\tb\u0007\u0000c\u009bd\u202eevil\u2066x'), 'ared bcdevilx')
    assert.equal(stripControl('title\r\nsecond'), 'titlesecond')
    assert.equal(stripControl('\u001b]0;pwned\u0007ok'), 'ok')
    assert.equal(stripControl('plain ünïcode 漢字 🎨'), 'plain ünïcode 漢字 🎨')
  })

  it('safeJson escapes terminal-active characters but keeps the value', () => {
    const value = { t: 'a\u001b[2J\u009b\u202eb' }
    const text = safeJson(value)
    assert.doesNotMatch(text, /[\u001b\u009b\u202e]/)
    assert.deepEqual(JSON.parse(text), value)
  })

  it('table aligns columns; shortId shortens dids; formatBytes', () => {
    assert.deepEqual(table(['A', 'BB'], [['xxx', 'y']]), ['A    BB', 'xxx  y'])
    assert.equal(shortId('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'), 'did:key:z6MkhaXg…2doK')
    assert.equal(shortId('did:key:short'), 'did:key:short')
    assert.equal(formatBytes(5), '5 B')
    assert.equal(formatBytes(1536), '1.5 KiB')
  })
})

describe('flag parsers', () => {
  it('percentToBasisPoints', () => {
    assert.equal(parse.percentToBasisPoints('10'), 1000)
    assert.equal(parse.percentToBasisPoints('12.5'), 1250)
    assert.equal(parse.percentToBasisPoints('0.01%'), 1)
    assert.equal(parse.percentToBasisPoints('100'), 10000)
    for (const bad of ['101', '-1', '1.234', 'ten', '']) assert.throws(() => parse.percentToBasisPoints(bad), InvalidArgumentError, bad)
  })

  it('time: RFC 3339, dates, now, durations forward or back', () => {
    assert.equal(parse.time('past')('2025-06-01'), '2025-06-01T00:00:00.000Z')
    assert.equal(parse.time('past')('2025-06-01T14:00:00+02:00'), '2025-06-01T12:00:00.000Z')
    const back = Date.parse(parse.time('past')('7d'))
    const ahead = Date.parse(parse.time('future')('7d'))
    assert.ok(Math.abs(Date.now() - 7 * 86_400_000 - back) < 5000)
    assert.ok(Math.abs(Date.now() + 7 * 86_400_000 - ahead) < 5000)
    for (const bad of ['yesterday', '12', '2025-13-45']) assert.throws(() => parse.time('past')(bad), InvalidArgumentError, bad)
  })

  it('nameAtVersion handles scoped names', () => {
    assert.deepEqual(parse.nameAtVersion('krita'), { name: 'krita' })
    assert.deepEqual(parse.nameAtVersion('krita@5.2'), { name: 'krita', version: '5.2' })
    assert.deepEqual(parse.nameAtVersion('@org/model@1'), { name: '@org/model', version: '1' })
    assert.deepEqual(parse.nameAtVersion('@org/model'), { name: '@org/model' })
    assert.throws(() => parse.nameAtVersion('krita@'), InvalidArgumentError)
  })

  it('parentRef and cid', () => {
    assert.deepEqual(parse.parentRef(CIDS.asset), { record: CIDS.asset })
    assert.deepEqual(parse.parentRef(`${CIDS.asset}:componentOf`), { record: CIDS.asset, relationship: 'componentOf' })
    assert.throws(() => parse.parentRef(`${CIDS.asset}:sibling`), InvalidArgumentError)
    assert.throws(() => parse.cid('./photo.jpg'), InvalidArgumentError)
    assert.equal(parse.cid('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG')
  })

  it('apiUrl accepts URLs and host:port', () => {
    assert.equal(parse.apiUrl('127.0.0.1:5180'), 'http://127.0.0.1:5180')
    assert.equal(parse.apiUrl('http://localhost:5180/'), 'http://localhost:5180')
    assert.equal(parse.apiUrl('https://node.example/atelier/'), 'https://node.example/atelier')
    assert.throws(() => parse.apiUrl('ftp://x'), InvalidArgumentError)
  })

  it('sourceType, mediaType, split, guessMediaType', () => {
    assert.equal(parse.sourceType('digitalCapture'), 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture')
    assert.equal(parse.sourceType('https://example.org/x'), 'https://example.org/x')
    assert.throws(() => parse.sourceType('not a term'), InvalidArgumentError)
    assert.equal(parse.mediaType('Image/PNG'), 'image/png')
    assert.throws(() => parse.mediaType('text/plain; charset=utf-8'), InvalidArgumentError)
    assert.deepEqual(parse.split('did:key:z6Mkabc=40'), { id: 'did:key:z6Mkabc', share: 4000 })
    assert.equal(parse.guessMediaType('Cover.JPG'), 'image/jpeg')
    assert.equal(parse.guessMediaType('data.unknownext'), undefined)
  })

  it('ipfsPath', () => {
    assert.equal(ipfsPath(CIDS.content), `/ipfs/${CIDS.content}`)
    assert.equal(ipfsPath(`/ipfs/${CIDS.content}/a b/c.png`), `/ipfs/${CIDS.content}/a%20b/c.png`)
    assert.equal(ipfsPath(`ipfs://${CIDS.content}`), `/ipfs/${CIDS.content}`)
    assert.throws(() => ipfsPath(`${CIDS.content}/../x`), InvalidArgumentError)
  })
})

describe('request bodies', () => {
  const content = { cid: CIDS.content, size: 10 }

  it('assetBody: minimal, and the flag rules', () => {
    assert.deepEqual(assetBody({}, content, 'a.bin'), { content: CIDS.content, title: 'a.bin', byteSize: 10 })
    assert.throws(() => assetBody({ prompt: 'x' }, content, 'a.png'), UsageError)
    assert.throws(() => assetBody({ revShare: 100 }, content, 'a.png'), UsageError)
    assert.throws(() => assetBody({}, content, undefined), UsageError)
    const b = assetBody({ parent: [{ record: CIDS.parent }], relationship: 'componentOf', license: 'CC-BY-SA-4.0' }, content, 'a.png')
    assert.deepEqual(b.parents, [{ record: CIDS.parent, relationship: 'componentOf' }])
    assert.deepEqual(b.license, { preset: 'cc-by-sa' })
  })

  it('licenseChoice: a preset, or the SPDX id of one; other licenses are refused with the presets listed', () => {
    assert.deepEqual(licenseChoice('cc-by'), { preset: 'cc-by' })
    assert.deepEqual(licenseChoice('CC-BY-4.0'), { preset: 'cc-by' })
    assert.deepEqual(licenseChoice('cc0-1.0'), { preset: 'cc0' })
    assert.throws(() => licenseChoice('my license'), InvalidArgumentError)
    // "gpl" used to be signed as an SPDX id with all-rights-reserved terms
    assert.throws(() => licenseChoice('gpl'), (err: Error) => err instanceof InvalidArgumentError && /cc-by-sa/.test(err.message) && /GPL-3\.0-only/.test(err.message))
    // a real SPDX license without a preset has no known terms here: refused, pointing at `atelier license --spdx`
    assert.throws(() => licenseChoice('MIT'), (err: Error) => err instanceof InvalidArgumentError && /--spdx MIT/.test(err.message))
  })

  it('licenseBody: needs some terms; splits add up to 100 %', () => {
    assert.throws(() => licenseBody(CIDS.asset, {}), UsageError)
    assert.deepEqual(licenseBody(CIDS.asset, { commercial: false }), { asset: CIDS.asset, terms: { commercialUse: false } })
    assert.throws(() => licenseBody(CIDS.asset, { preset: 'cc-by', split: [{ id: 'did:key:za', share: 5000 }] }), /add up to 50 %/)
  })

  it('daemonOverrides only carries the flags given', () => {
    assert.deepEqual(daemonOverrides({}), {})
    assert.deepEqual(daemonOverrides({ http: { host: '0.0.0.0', port: 0 }, bootstrap: ['/ip4/1.2.3.4/tcp/1'], logLevel: 'debug' }),
      { http: { host: '0.0.0.0', port: 0 }, p2p: { bootstrap: ['/ip4/1.2.3.4/tcp/1'] }, logLevel: 'debug' })
  })
})

describe('lineage tree', () => {
  it('draws a DAG once per node and marks shared subtrees and cycles', () => {
    // D derives from B and C; both derive from A
    const g = {
      root: 'D',
      direction: 'ancestors' as const,
      nodes: [{ cid: 'D', title: 'd', depth: 0 }, { cid: 'B', title: 'b', depth: 1 }, { cid: 'C', title: 'c', depth: 1 }, { cid: 'A', title: 'a', depth: 2 }, { cid: 'Z', depth: 3 }],
      edges: [
        { from: 'D', to: 'B', relationship: 'parentOf' },
        { from: 'D', to: 'C', relationship: 'componentOf' },
        { from: 'B', to: 'A' },
        { from: 'C', to: 'A' },
        { from: 'A', to: 'Z' },
        { from: 'Z', to: 'B' }
      ]
    }
    assert.deepEqual(lineageTree(g, 'ancestors'), [
      '"d" D',
      '├── "b" B [parentOf]',
      '│   └── "a" A',
      '│       └── (untitled) Z',
      '│           └── "b" B (cycle)',
      '└── "c" C [componentOf]',
      '    └── "a" A (see above)'
    ])
    assert.deepEqual(lineageTree({ ...g, edges: [] }, 'descendants'), ['"d" D', '(no known descendants)'])
  })
})

describe('cat and pin helpers', () => {
  it('looksBinary: NULs and bytes that are not UTF-8 are binary; text, even cut mid-character, is not', () => {
    assert.equal(looksBinary(Buffer.from('plain text\nünïcode 漢字 🎨\n')), false)
    assert.equal(looksBinary(Buffer.from('🎨').subarray(0, 2)), false, 'a sequence cut at the end of the sample')
    assert.equal(looksBinary(Buffer.from([0x41, 0x00, 0x42])), true)
    assert.equal(looksBinary(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), true, 'a PNG signature')
    assert.equal(looksBinary(Buffer.from([0xff, 0xfe, 0x41, 0x42, 0x43, 0x44])), true)
    assert.equal(looksBinary(new Uint8Array(0)), false)
  })

  it('pinPurpose says why a pin exists and which records name it', () => {
    assert.equal(pinPurpose({ cid: 'b', source: 'user', records: [] }), 'pinned by hand')
    assert.equal(pinPurpose({ cid: 'b', records: [] }), 'origin not recorded')
    assert.equal(pinPurpose({ cid: 'b', source: 'add', records: ['bagaaieraone'] }), 'added here; content of asset record bagaaieraone')
    assert.match(pinPurpose({ cid: 'b', source: 'replication', records: ['r1', 'r2'] }), /^collective replication; content of 2 asset records r1, …$/)
  })
})

describe('help text and amounts (issue 16)', () => {
  it('flow joins line breaks inside a sentence, keeps those after a sentence, before lists and between paragraphs', () => {
    assert.equal(flow('one two\nthree. Four\nfive.\nSix:\n  a\n  b\n\nSeven'), 'one two three. Four five.\nSix:\n  a\n  b\n\nSeven')
  })

  it('no command description breaks a line inside a sentence once flowed', () => {
    for (const c of COMMANDS) {
      const text = flow(c.description ?? c.summary)
      for (const m of text.matchAll(/([^\n]*)\n(?=\S)/g)) assert.match(m[1], /[.:!?]$|^$/, `${c.name}: "${m[1]}"`)
    }
  })

  it('examples name records as records: bagaaiera…, never the dag-cbor bafyrei… of another format', () => {
    for (const c of COMMANDS) for (const e of c.examples) assert.doesNotMatch(e, /bafyrei|--parent bafy/, `${c.name}: ${e}`)
  })

  it('--parent and --input refuse a content CID with a hint', () => {
    assert.throws(() => parse.parentRef(CIDS.content), (err: Error) => err instanceof InvalidArgumentError && /asset record CID/.test(err.message))
    assert.throws(() => parse.recordCid('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), InvalidArgumentError)
    assert.equal(parse.recordCid(CIDS.asset), CIDS.asset)
  })

  it('formatMinorUnits uses ISO 4217 minor units', () => {
    assert.equal(formatMinorUnits(1000, 'EUR'), '10.00 EUR')
    assert.equal(formatMinorUnits(5, 'USD'), '0.05 USD')
    assert.equal(formatMinorUnits(1000, 'JPY'), '1000 JPY')
    assert.equal(formatMinorUnits(1234, 'BHD'), '1.234 BHD')
    assert.equal(formatMinorUnits(-250, 'EUR'), '-2.50 EUR')
    assert.equal(formatMinorUnits(1000, 'WIP'), '1000 WIP (minor units)')
  })
})
