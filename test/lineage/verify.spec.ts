import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { canonicalString } from '../../src/records/jcs.ts'
import { utf8Bytes } from '../../src/records/jcs.ts'
import { VERIFICATION_CODES, verdictOf, verifyProvenance } from '../../src/lineage/verify.ts'
import type { ProvenanceReport, VerificationCode } from '../../src/lineage/verify.ts'
import { codesOf, DAY, strayContentCid, strayRecordCid, World } from './verify-fixtures.ts'
import { computeFingerprints, MATCH_TOLERANCE } from '../../src/fingerprints/claims.ts'
import { textFingerprints } from '../../src/fingerprints/index.ts'
import { WorkFingerprinter } from '../../src/node/work-fingerprints.ts'
import type { FingerprintClaim } from '../../src/records/types.ts'
import { png as pngOf, structuredImage } from '../fingerprints/generated.ts'
import { encryptStream } from '../../src/private/content-cipher.ts'
import { newWork } from '../../src/private/content-header.ts'
import { encryptionMember, workKeyOpener } from '../../src/gateway/private-works.ts'
import { MemoryEpochKeys } from '../private/memory-epoch-keys.ts'

/** Every code a test below has produced, checked at the end against the table */
const produced = new Set<string>()

function expectCode (report: ProvenanceReport, code: VerificationCode, record: string): void {
  const f = report.findings.find(x => x.code === code && x.record === record)
  assert.ok(f != null, `expected ${code} about ${record}; got ${JSON.stringify(report.findings.map(x => [x.code, x.record.slice(-6)]))}`)
  assert.equal(f.severity, VERIFICATION_CODES[code].severity)
  assert.ok(f.message.length > 20 && /[.)]$/.test(f.message), `a sentence: ${f.message}`)
  produced.add(code)
}

function expectNo (report: ProvenanceReport, code: VerificationCode): void {
  assert.ok(!report.findings.some(f => f.code === code), `no ${code} expected: ${JSON.stringify(report.findings.filter(f => f.code === code))}`)
}

describe('verifyProvenance', () => {
  let w: World
  before(async () => { w = await World.create() })
  after(async () => { await w.close() })

  describe('records and signatures', () => {
    it('signature.valid for an intact asset, and a verified verdict when nothing else is wrong', async () => {
      const bytes = new TextEncoder().encode('a picture')
      const content = await w.addContent(bytes)
      const a = await w.asset({ by: 'ann', title: 'Sunrise', content, byteSize: bytes.length })
      const report = await w.verify(a.cid)
      expectCode(report, 'signature.valid', a.cid)
      expectCode(report, 'content.valid', a.cid)
      assert.equal(report.verdict, 'verified')
      assert.deepEqual(report.counts, { errors: 0, warnings: 0, infos: 2 })
      assert.equal(report.asset, a.cid)
      assert.deepEqual(report.records, [{ cid: a.cid, depth: 0, present: true, title: 'Sunrise', author: w.did('ann'), content }])
    })

    it('signature.invalid when the stored bytes were edited after signing', async () => {
      const a = await w.asset({ by: 'ann', title: 'Original title' })
      const edited = JSON.parse(new TextDecoder().decode(w.records.get(a.cid)))
      edited.credentialSubject.title = 'Stolen title'
      w.records.set(a.cid, utf8Bytes(canonicalString(edited)))
      const report = await w.verify(a.cid)
      expectCode(report, 'signature.invalid', a.cid)
      expectNo(report, 'signature.valid')
      assert.equal(report.verdict, 'failed')
    })

    it('record.malformed when the stored bytes are not a record', async () => {
      const a = await w.asset({ by: 'ann' })
      w.records.set(a.cid, new TextEncoder().encode('{"not": "a record"}'))
      const report = await w.verify(a.cid)
      expectCode(report, 'record.malformed', a.cid)
      assert.equal(report.verdict, 'failed')
    })

    it('record.hashMismatch when another valid record is stored under the CID', async () => {
      const a = await w.asset({ by: 'ann' })
      const b = await w.asset({ by: 'bob' })
      w.records.set(a.cid, w.records.get(b.cid) as Uint8Array)
      const report = await w.verify(a.cid)
      expectCode(report, 'record.hashMismatch', a.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'record.hashMismatch')?.related, [b.cid])
      assert.equal(report.verdict, 'failed')
    })

    it('record.notHeld when the index lists a record whose block is gone', async () => {
      const a = await w.asset({ by: 'ann' })
      w.records.delete(a.cid)
      const report = await w.verify(a.cid)
      expectCode(report, 'record.notHeld', a.cid)
      assert.equal(report.records[0].present, false)
      assert.equal(report.verdict, 'failed')
    })

    it('record.revoked when the author withdrew the record before now; not for a stranger\'s revocation', async () => {
      const a = await w.asset({ by: 'ann' })
      await w.revoke(a, 'mallory', w.clock - DAY) // someone else cannot revoke it
      let report = await w.verify(a.cid)
      expectNo(report, 'record.revoked')
      const r = await w.revoke(a, 'ann', w.clock)
      report = await w.verify(a.cid)
      expectCode(report, 'record.revoked', a.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'record.revoked')?.related, [r.cid])
      assert.equal(report.verdict, 'failed')
    })

    it('record.revocationPending when the withdrawal takes effect after now', async () => {
      const a = await w.asset({ by: 'ann' })
      await w.revoke(a, 'ann', w.clock + 1000 * DAY)
      const report = await w.verify(a.cid, { now: w.clock })
      expectCode(report, 'record.revocationPending', a.cid)
      expectNo(report, 'record.revoked')
    })

    it('throws NotFoundError for a record not held or not an asset, InvalidRequestError for bad input', async () => {
      await assert.rejects(w.verify(strayRecordCid()), { name: 'NotFoundError' })
      const a = await w.asset({ by: 'ann' })
      const l = await w.license(a, 'ann')
      await assert.rejects(w.verify(l.cid), { name: 'NotFoundError' })
      await assert.rejects(w.verify('not a cid'), { name: 'InvalidRequestError' })
      await assert.rejects(w.verify(a.cid, { depth: -1 }), { name: 'InvalidRequestError' })
    })
  })

  describe('membership', () => {
    it('membership.valid, membership.notMember and membership.unknown, asked at the signing time', async () => {
      const collective = strayRecordCid()
      const asked: Array<[string, string, number]> = []
      const a = await w.asset({ by: 'ann', collective })
      const b = await w.asset({ by: 'bob', collective })
      const c = await w.asset({ by: 'cid', collective })
      w.members = async (col, did, time) => {
        asked.push([col, did, time])
        return did === w.did('ann') ? true : did === w.did('bob') ? false : undefined
      }
      try {
        expectCode(await w.verify(a.cid), 'membership.valid', a.cid)
        const rb = await w.verify(b.cid)
        expectCode(rb, 'membership.notMember', b.cid)
        assert.equal(rb.verdict, 'failed')
        expectCode(await w.verify(c.cid), 'membership.unknown', c.cid)
        assert.deepEqual(asked[0], [collective, w.did('ann'), a.time])
      } finally {
        w.members = undefined
      }
      // without a membership source every collective record is unknown, not an error
      const report = await w.verify(b.cid)
      expectCode(report, 'membership.unknown', b.cid)
      assert.notEqual(report.verdict, 'failed')
    })

    it('records without a collective get no membership finding', async () => {
      const a = await w.asset({ by: 'ann' })
      const report = await w.verify(a.cid)
      assert.ok(!codesOf(report).some(c => c.startsWith('membership.')))
    })
  })

  describe('content binding', () => {
    it('content.valid over a multi-level UnixFS DAG', async () => {
      const bytes = new Uint8Array(50_000).map((_, i) => (i * 7) % 251)
      const content = await w.addContent(bytes, 256) // 196 leaves: two levels of dag-pb with 174-link nodes
      const a = await w.asset({ by: 'ann', content, byteSize: bytes.length })
      const report = await w.verify(a.cid)
      expectCode(report, 'content.valid', a.cid)
      assert.match(report.findings.find(f => f.code === 'content.valid')?.message ?? '', /50000 bytes of file data/)
    })

    it('content.notHeld when no block of the content is here', async () => {
      const a = await w.asset({ by: 'ann', content: strayContentCid() })
      const report = await w.verify(a.cid)
      expectCode(report, 'content.notHeld', a.cid)
      assert.equal(report.verdict, 'verified')
    })

    it('content.incomplete when some blocks are missing, or the content budget runs out', async () => {
      const bytes = new Uint8Array(5000).map((_, i) => (i * 7 + (i >> 8)) % 251)
      const content = await w.addContent(bytes, 1000)
      const a = await w.asset({ by: 'ann', content, byteSize: bytes.length })
      expectCode(await w.verify(a.cid, { contentBudget: 10 }), 'content.incomplete', a.cid)
      const leaf = dagPb.decode(w.blocks.get(content) as Uint8Array).Links[2].Hash.toString()
      const kept = w.blocks.get(leaf) as Uint8Array
      w.blocks.delete(leaf)
      try {
        const report = await w.verify(a.cid)
        expectCode(report, 'content.incomplete', a.cid)
        assert.equal(report.verdict, 'verified')
      } finally {
        w.blocks.set(leaf, kept)
      }
    })

    it('content.hashMismatch when a held block was altered', async () => {
      const bytes = new Uint8Array(3000).map((_, i) => (i * 13 + (i >> 9)) % 241)
      const content = await w.addContent(bytes, 1000)
      const a = await w.asset({ by: 'ann', content, byteSize: bytes.length })
      const leaf = dagPb.decode(w.blocks.get(content) as Uint8Array).Links[1].Hash.toString()
      const kept = w.blocks.get(leaf) as Uint8Array
      const altered = kept.slice()
      altered[10] ^= 0xff
      w.blocks.set(leaf, altered)
      try {
        const report = await w.verify(a.cid)
        expectCode(report, 'content.hashMismatch', a.cid)
        assert.equal(report.verdict, 'failed')
      } finally {
        w.blocks.set(leaf, kept)
      }
      // a single-block (raw) content altered in place
      const single = await w.addContent(new TextEncoder().encode('tiny'))
      const b = await w.asset({ by: 'ann', content: single, byteSize: 4 })
      w.blocks.set(single, new TextEncoder().encode('tinY'))
      expectCode(await w.verify(b.cid), 'content.hashMismatch', b.cid)
    })

    it('content.malformed when the DAG hashes but its sizes do not add up', async () => {
      const leafBytes = new Uint8Array(10).fill(1)
      const leaf = CID.createV1(raw.code, await sha256.digest(leafBytes))
      const unixfs = new UnixFS({ type: 'file', blockSizes: [20n] })
      const node = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [{ Hash: leaf, Name: '', Tsize: 10 }] }))
      const root = CID.createV1(dagPb.code, await sha256.digest(node))
      w.blocks.set(leaf.toString(), leafBytes)
      w.blocks.set(root.toString(), node)
      const a = await w.asset({ by: 'ann', content: root.toString(), byteSize: 20 })
      const report = await w.verify(a.cid)
      expectCode(report, 'content.malformed', a.cid)
      assert.equal(report.verdict, 'failed')
      // and a dag-pb block that is not UnixFS at all
      const bare = dagPb.encode(dagPb.prepare({ Links: [] }))
      const bareCid = CID.createV1(dagPb.code, await sha256.digest(bare))
      w.blocks.set(bareCid.toString(), bare)
      const b = await w.asset({ by: 'ann', content: bareCid.toString() })
      expectCode(await w.verify(b.cid), 'content.malformed', b.cid)
    })

    it('content.sizeMismatch when the record claims another byteSize', async () => {
      const bytes = new TextEncoder().encode('twelve bytes')
      const content = await w.addContent(bytes)
      const a = await w.asset({ by: 'ann', content, byteSize: 99 })
      const report = await w.verify(a.cid)
      expectCode(report, 'content.valid', a.cid)
      expectCode(report, 'content.sizeMismatch', a.cid)
      assert.equal(report.verdict, 'warnings')
    })

    it('content.unsupported for a codec other than raw or dag-pb', async () => {
      const a = await w.asset({ by: 'ann', content: strayContentCid(0x71) })
      expectCode(await w.verify(a.cid), 'content.unsupported', a.cid)
    })
  })

  describe('fingerprints', () => {
    const flip = (hex: string, bits: number): string => {
      const b = Buffer.from(hex, 'hex')
      for (let i = 0; i < bits; i++) b[i >> 3] ^= 0x80 >> (i & 7)
      return b.toString('hex')
    }
    let png: Uint8Array
    let claims: FingerprintClaim[]
    before(async () => {
      png = await pngOf(structuredImage(5, 320, 240))
      claims = await computeFingerprints(png, 'image')
      w.fingerprinter = new WorkFingerprinter({ store: w.fileStore(), maxBytes: 1024 * 1024 })
    })
    after(() => { w.fingerprinter = undefined })

    it('fingerprint.valid when the claimed codes are those of the held bytes, or within the tolerance', async () => {
      const content = await w.addContent(png)
      const a = await w.asset({ by: 'ann', content, byteSize: png.length, fingerprints: claims })
      let report = await w.verify(a.cid)
      expectCode(report, 'fingerprint.valid', a.cid)
      expectNo(report, 'fingerprint.mismatch')
      assert.equal(report.verdict, 'verified')
      // a few bits off, as another libvips build might decode: still a match
      const near = claims.map(c => c.alg === 'pdq-256' ? { ...c, code: flip(c.code, MATCH_TOLERANCE['pdq-256']) } : c)
      const b = await w.asset({ by: 'ann', content, byteSize: png.length, fingerprints: near })
      report = await w.verify(b.cid)
      expectCode(report, 'fingerprint.valid', b.cid)
      expectNo(report, 'fingerprint.mismatch')
    })

    it('fingerprint.mismatch for a claimed code the held bytes do not give, and for a text code on an image', async () => {
      const content = await w.addContent(png)
      const tampered = claims.map(c => c.alg === 'pdq-256' ? { ...c, code: flip(c.code, MATCH_TOLERANCE['pdq-256'] + 1) } : c)
      const a = await w.asset({ by: 'bob', content, byteSize: png.length, fingerprints: tampered })
      let report = await w.verify(a.cid)
      expectCode(report, 'fingerprint.mismatch', a.cid)
      expectCode(report, 'fingerprint.valid', a.cid) // the ISCC code still matches
      const mismatch = report.findings.find(f => f.code === 'fingerprint.mismatch')
      assert.match(mismatch?.message ?? '', /pdq-256 \(11 bits apart, tolerance 10\)/)
      assert.equal(report.verdict, 'warnings')
      const text = textFingerprints('words that are not this picture at all, so its bytes give no text code')
      const b = await w.asset({ by: 'bob', content, byteSize: png.length, fingerprints: [{ alg: 'iscc-text-64', bits: 64, code: text.iscc.code }] })
      report = await w.verify(b.cid)
      expectCode(report, 'fingerprint.mismatch', b.cid)
      expectNo(report, 'fingerprint.valid')
      // a PNG claimed as text: not UTF-8, so it gives no text code either
      assert.match(report.findings.find(f => f.code === 'fingerprint.mismatch')?.message ?? '', /iscc-text-64 \(the bytes give no such code\)/)
    })

    it('no fingerprint finding when the bytes are not held, or the claim is of an algorithm not known here', async () => {
      const a = await w.asset({ by: 'ann', byteSize: png.length, fingerprints: claims })
      let report = await w.verify(a.cid)
      expectNo(report, 'fingerprint.valid')
      expectNo(report, 'fingerprint.mismatch')
      expectNo(report, 'fingerprint.unchecked')
      const content = await w.addContent(png)
      const b = await w.asset({ by: 'ann', content, byteSize: png.length, fingerprints: [{ alg: 'future-alg', bits: 8, code: 'ff' }] })
      report = await w.verify(b.cid)
      assert.deepEqual(codesOf(report, b.cid).filter(c => c.startsWith('fingerprint.')), [])
    })

    it('fingerprint.unchecked when the work is over the node\'s size bound or the report\'s content budget ran out', async () => {
      const content = await w.addContent(png)
      const a = await w.asset({ by: 'ann', content, byteSize: png.length, fingerprints: claims })
      w.fingerprinter = new WorkFingerprinter({ store: w.fileStore(), maxBytes: 100 })
      let report = await w.verify(a.cid)
      expectCode(report, 'fingerprint.unchecked', a.cid)
      w.fingerprinter = new WorkFingerprinter({ store: w.fileStore(), maxBytes: 1024 * 1024 })
      // enough to hash the blocks (the file and the root node), not to read the file a second time
      report = await w.verify(a.cid, { contentBudget: 2 * png.length - 1 })
      expectCode(report, 'fingerprint.unchecked', a.cid)
      assert.match(report.findings.find(f => f.code === 'fingerprint.unchecked')?.message ?? '', /budget/)
      expectNo(report, 'fingerprint.mismatch')
    })
  })

  describe('encrypted works', () => {
    const collective = strayRecordCid()
    const keys = new MemoryEpochKeys()
    let content: string
    let size: number
    let enc: NonNullable<Parameters<World['asset']>[0]['encryption']>
    before(async () => {
      keys.rotate(collective)
      const { key } = keys.current(collective)!
      const { workKey, header } = newWork(key, collective, 0, 1024)
      const parts: Uint8Array[] = []
      for await (const p of encryptStream([new Uint8Array(5000).fill(7)], workKey, header)) parts.push(p)
      const ct = new Uint8Array(Buffer.concat(parts))
      size = ct.length
      content = await w.addContent(ct)
      enc = encryptionMember(header, 5000, 'image/png')
      w.openWorkKey = workKeyOpener(keys)
    })
    after(() => { w.openWorkKey = undefined })

    it('encryption.valid when the held ciphertext starts with the header the record describes and its key opens', async () => {
      const a = await w.asset({ by: 'ann', content, byteSize: size, collective, mediaType: 'application/vnd.atelier.encrypted', encryption: enc })
      const report = await w.verify(a.cid)
      expectCode(report, 'content.valid', a.cid)
      expectCode(report, 'encryption.valid', a.cid)
      assert.match(report.findings.find(f => f.code === 'encryption.valid')?.message ?? '', /opens with this node's key of epoch 0/)
    })

    it('encryption.headerMismatch when the record describes another salt or epoch, or plaintext content', async () => {
      const other = await w.asset({ by: 'ann', content, byteSize: size, collective, mediaType: 'application/vnd.atelier.encrypted', encryption: { ...enc, salt: 'A'.repeat(43) } })
      expectCode(await w.verify(other.cid), 'encryption.headerMismatch', other.cid)
      const plain = new Uint8Array(size).fill(1)
      const plainCid = await w.addContent(plain)
      const b = await w.asset({ by: 'ann', content: plainCid, byteSize: size, collective, mediaType: 'application/vnd.atelier.encrypted', encryption: enc })
      const report = await w.verify(b.cid)
      expectCode(report, 'encryption.headerMismatch', b.cid)
      expectNo(report, 'encryption.valid')
    })

    it('encryption.wrapInvalid when this node holds the epoch key and the work key does not open with it', async () => {
      const a = await w.asset({ by: 'ann', content, byteSize: size, collective, mediaType: 'application/vnd.atelier.encrypted', encryption: enc })
      w.openWorkKey = workKeyOpener({ current: () => undefined, isPrivate: () => true, key: () => new Uint8Array(32) })
      try {
        expectCode(await w.verify(a.cid), 'encryption.wrapInvalid', a.cid)
      } finally {
        w.openWorkKey = workKeyOpener(keys)
      }
    })
  })

  describe('ingredients and the walk', () => {
    it('ingredient.missing for a parent record not held, listed as not present', async () => {
      const gone = strayRecordCid()
      const a = await w.asset({ by: 'ann', ingredients: [{ relationship: 'parentOf', record: gone }] })
      const report = await w.verify(a.cid)
      expectCode(report, 'ingredient.missing', a.cid)
      assert.deepEqual(report.records.map(r => [r.cid, r.depth, r.present]), [[a.cid, 0, true], [gone, 1, false]])
      assert.equal(report.verdict, 'warnings')
    })

    it('ingredient.notAsset when an ingredient names a license record', async () => {
      const p = await w.asset({ by: 'ann' })
      const l = await w.license(p, 'ann')
      const a = await w.asset({ by: 'ann', ingredients: [{ relationship: 'parentOf', record: l.cid }] })
      const report = await w.verify(a.cid)
      expectCode(report, 'ingredient.notAsset', a.cid)
      assert.equal(report.verdict, 'failed')
    })

    it('ingredient.unrecorded for content nobody recorded; a content reference resolves to its asset records', async () => {
      const a = await w.asset({ by: 'ann', ingredients: [{ relationship: 'componentOf', content: strayContentCid(), title: 'a sample' }] })
      expectCode(await w.verify(a.cid), 'ingredient.unrecorded', a.cid)
      const known = strayContentCid()
      const p = await w.asset({ by: 'ann', content: known })
      const b = await w.asset({ by: 'ann', ingredients: [{ relationship: 'componentOf', content: known }] })
      const report = await w.verify(b.cid)
      expectNo(report, 'ingredient.unrecorded')
      assert.deepEqual(report.records.map(r => r.cid), [b.cid, p.cid])
    })

    it('lineage.cycle for content references that loop, and the walk ends', async () => {
      const x = strayContentCid()
      const y = strayContentCid()
      const a = await w.asset({ by: 'ann', content: x, ingredients: [{ relationship: 'parentOf', content: y }] })
      const b = await w.asset({ by: 'ann', content: y, ingredients: [{ relationship: 'parentOf', content: x }] })
      const report = await w.verify(a.cid)
      expectCode(report, 'lineage.cycle', b.cid)
      assert.deepEqual(report.records.map(r => r.cid), [a.cid, b.cid])
      assert.equal(report.verdict, 'warnings')
    })

    it('lineage.depthLimit at the depth asked, and depth 0 checks the asset alone', async () => {
      const g = await w.asset({ by: 'ann', title: 'grandparent' })
      const p = await w.asset({ by: 'ann', title: 'parent', ingredients: [{ relationship: 'parentOf', record: g.cid }] })
      const c = await w.asset({ by: 'ann', title: 'child', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const report = await w.verify(c.cid, { depth: 1 })
      expectCode(report, 'lineage.depthLimit', p.cid)
      assert.deepEqual(report.records.map(r => r.depth), [0, 1])
      assert.equal(report.verdict, 'verified')
      const alone = await w.verify(c.cid, { depth: 0 })
      assert.deepEqual(alone.records.map(r => r.cid), [c.cid])
      expectCode(alone, 'lineage.depthLimit', c.cid)
      const full = await w.verify(c.cid)
      expectNo(full, 'lineage.depthLimit')
      assert.deepEqual(full.records.map(r => r.title), ['child', 'parent', 'grandparent'])
    })

    it('lineage.truncated at the record limit', async () => {
      const p1 = await w.asset({ by: 'ann' })
      const p2 = await w.asset({ by: 'ann' })
      const c = await w.asset({ by: 'ann', ingredients: [{ relationship: 'parentOf', record: p1.cid }, { relationship: 'componentOf', record: p2.cid }] })
      const report = await w.verify(c.cid, { maxRecords: 2 })
      expectCode(report, 'lineage.truncated', c.cid)
      assert.equal(report.records.length, 2)
      assert.equal(report.verdict, 'warnings')
    })
  })

  describe('licenses of derivations', () => {
    it('license.ownWork when the same author derives from their own work', async () => {
      const p = await w.asset({ by: 'ann' })
      const c = await w.asset({ by: 'ann', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.ownWork', c.cid)
      assert.equal(report.verdict, 'verified')
    })

    it('license.permitted by an open license, license.none without one', async () => {
      const p = await w.asset({ by: 'ann' })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const none = await w.verify(c.cid)
      expectCode(none, 'license.none', c.cid)
      assert.equal(none.verdict, 'warnings')
      const l = await w.license(p, 'ann')
      const ok = await w.verify(c.cid)
      expectCode(ok, 'license.permitted', c.cid)
      assert.deepEqual(ok.findings.find(f => f.code === 'license.permitted')?.related, [p.cid, l.cid])
      assert.equal(ok.verdict, 'verified')
    })

    it('license.notFromAuthor for a license a stranger offers; it does not permit anything', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'mallory')
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.notFromAuthor', c.cid)
      expectCode(report, 'license.none', c.cid)
      expectNo(report, 'license.permitted')
    })

    it('license.derivativesNotAllowed', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { derivativesAllowed: false, derivativesAttribution: false })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'componentOf', record: p.cid }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.derivativesNotAllowed', c.cid)
      assert.equal(report.verdict, 'failed')
    })

    it('license.approvalMissing without a grant; a grant from the licensor lifts it, one from a stranger does not', async () => {
      const p = await w.asset({ by: 'ann' })
      const l = await w.license(p, 'ann', { derivativesApproval: true })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      expectCode(await w.verify(c.cid), 'license.approvalMissing', c.cid)
      await w.grant(l, 'bob', 'mallory')
      expectCode(await w.verify(c.cid), 'license.approvalMissing', c.cid)
      await w.grant(l, 'bob', 'ann')
      const report = await w.verify(c.cid)
      expectNo(report, 'license.approvalMissing')
      expectCode(report, 'license.permitted', c.cid)
    })

    it('license.reciprocalMissing until the child is offered on the same terms', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { derivativesReciprocal: true }, { royaltyPolicy: 'LRP' })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      expectCode(await w.verify(c.cid), 'license.reciprocalMissing', c.cid)
      await w.license(c, 'bob', { derivativesReciprocal: true }, { royaltyPolicy: 'LAP' }) // same terms, other policy
      expectCode(await w.verify(c.cid), 'license.reciprocalMissing', c.cid)
      await w.license(c, 'bob', { derivativesReciprocal: true }, { royaltyPolicy: 'LRP' })
      const report = await w.verify(c.cid)
      expectNo(report, 'license.reciprocalMissing')
      assert.equal(report.verdict, 'verified')
    })

    it('license.attributionMissing when the child drops the attribution requirement', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { derivativesAttribution: true })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const cl = await w.license(c, 'bob', { derivativesAttribution: false })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.attributionMissing', c.cid)
      expectCode(report, 'license.permitted', c.cid)
      assert.ok(report.findings.find(f => f.code === 'license.attributionMissing')?.related?.includes(cl.cid))
      assert.equal(report.verdict, 'warnings')
    })

    it('license.expired when the license ended before the child was signed', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { expiration: new Date(w.clock).toISOString() })
      w.clock += 10 * DAY
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.expired', c.cid)
      assert.equal(report.verdict, 'failed')
    })

    it('license.revoked when the licensor withdrew it before the child; a later withdrawal does not count', async () => {
      const p = await w.asset({ by: 'ann' })
      const l = await w.license(p, 'ann')
      const early = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      await w.revoke(l, 'ann', w.clock)
      w.clock += DAY
      const late = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      expectCode(await w.verify(late.cid), 'license.revoked', late.cid)
      const before = await w.verify(early.cid)
      expectNo(before, 'license.revoked')
      expectCode(before, 'license.permitted', early.cid)
    })

    it('the best of several licenses decides', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { derivativesAllowed: false })
      await w.license(p, 'ann')
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'license.permitted', c.cid)
      expectNo(report, 'license.derivativesNotAllowed')
    })
  })

  describe('AI training and data mining of inputTo ingredients', () => {
    it('training.notAllowed from the ingredient\'s own assertion', async () => {
      const p = await w.asset({ by: 'ann', trainingMining: { 'cawg.ai_training': { use: 'notAllowed' } } })
      await w.license(p, 'ann', { aiTraining: 'allowed' })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'inputTo', record: p.cid, kind: 'dataset' }] })
      const report = await w.verify(c.cid)
      expectCode(report, 'training.notAllowed', c.cid)
      expectNo(report, 'license.permitted') // inputTo is judged by consent to AI use, not by the derivative rules
      assert.equal(report.verdict, 'failed')
    })

    it('training.notAllowed when every license of the ingredient forbids AI training', async () => {
      const p = await w.asset({ by: 'ann' })
      await w.license(p, 'ann', { aiTraining: 'notAllowed' })
      const c = await w.asset({ by: 'bob', ingredients: [{ relationship: 'inputTo', record: p.cid }] })
      expectCode(await w.verify(c.cid), 'training.notAllowed', c.cid)
    })

    it('training.constrained, training.allowed and training.unspecified', async () => {
      const pc = await w.asset({ by: 'ann', trainingMining: { 'cawg.data_mining': { use: 'constrained', constraintInfo: 'research only' } } })
      const cc = await w.asset({ by: 'bob', ingredients: [{ relationship: 'inputTo', record: pc.cid }] })
      const rc = await w.verify(cc.cid)
      expectCode(rc, 'training.constrained', cc.cid)
      assert.match(rc.findings.find(f => f.code === 'training.constrained')?.message ?? '', /research only/)
      assert.equal(rc.verdict, 'warnings')

      const pa = await w.asset({ by: 'ann', trainingMining: { 'cawg.ai_generative_training': { use: 'allowed' } } })
      const ca = await w.asset({ by: 'bob', ingredients: [{ relationship: 'inputTo', record: pa.cid }] })
      expectCode(await w.verify(ca.cid), 'training.allowed', ca.cid)

      const pu = await w.asset({ by: 'ann' })
      const cu = await w.asset({ by: 'bob', ingredients: [{ relationship: 'inputTo', record: pu.cid }] })
      const ru = await w.verify(cu.cid)
      expectCode(ru, 'training.unspecified', cu.cid)
      assert.equal(ru.verdict, 'verified')
    })
  })

  describe('claims', () => {
    it('claim.conflict when another author claimed the same content earlier; not for co-creators or later claims', async () => {
      const content = strayContentCid()
      const first = await w.asset({ by: 'ann', content })
      const copy = await w.asset({ by: 'mallory', content })
      const report = await w.verify(copy.cid)
      expectCode(report, 'claim.conflict', copy.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'claim.conflict')?.related, [first.cid])
      assert.equal(report.verdict, 'warnings')
      expectNo(await w.verify(first.cid), 'claim.conflict')
      // an earlier claim its author has withdrawn is no conflict
      await w.revoke(first, 'ann', w.clock)
      expectNo(await w.verify(copy.cid), 'claim.conflict')
    })
  })

  describe('look-alikes', () => {
    it('possible.unattributed_derivative on a later look-alike by another author, from the similarity check', async () => {
      const first = await w.asset({ by: 'ann', title: 'dusk' })
      const copy = await w.asset({ by: 'mallory', title: 'dusk, mine' })
      // the check the node answers from its fingerprints (test/similarity/ covers the rule itself)
      const unattributed = async (cid: string) => cid !== copy.cid
        ? []
        : [{ earlier: first.cid, earlierAuthor: first.author, earlierTime: first.time, alg: 'pdq-256', distance: 12, variant: 'flipY' }]
      const report = await verifyProvenance({ ...w.view(), unattributed }, copy.cid, { now: w.clock + DAY })
      expectCode(report, 'possible.unattributed_derivative', copy.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'possible.unattributed_derivative')?.related, [first.cid])
      assert.match(report.findings.find(f => f.code === 'possible.unattributed_derivative')?.message ?? '', /mirrored left to right/)
      expectNo(await verifyProvenance({ ...w.view(), unattributed }, first.cid, { now: w.clock + DAY }), 'possible.unattributed_derivative')
    })
  })

  describe('chain and clock', () => {
    it('chain.fork on both records when an author signs two successors of one record; none on a straight chain', async () => {
      const first = await w.asset({ by: 'ann', title: 'first' })
      const second = await w.asset({ by: 'ann', title: 'second', previous: first.cid })
      const third = await w.asset({ by: 'ann', title: 'third', previous: second.cid })
      for (const r of [first, second, third]) expectNo(await w.verify(r.cid), 'chain.fork')
      // a second successor of `first`, dated before `second`: the back-dated branch of a fork
      const branch = await w.asset({ by: 'ann', title: 'back-dated', previous: first.cid, at: first.time + 1000 })
      const report = await w.verify(branch.cid)
      expectCode(report, 'chain.fork', branch.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'chain.fork')?.related, [first.cid, second.cid])
      assert.equal(report.verdict, 'warnings')
      expectCode(await w.verify(second.cid), 'chain.fork', second.cid)
      expectNo(await w.verify(third.cid), 'chain.fork')
      // another author naming the same previous is no fork of ann's chain (it is a foreign previous)
      const foreign = await w.asset({ by: 'bob', previous: first.cid })
      assert.deepEqual(codesOf(await w.verify(foreign.cid)).filter(c => c.startsWith('chain.')), ['chain.foreignPrevious'])
    })

    it('chain.fork on an ancestor shows on the report of its descendant', async () => {
      const root = await w.asset({ by: 'cat' })
      const a = await w.asset({ by: 'cat', previous: root.cid })
      const b = await w.asset({ by: 'cat', previous: root.cid })
      const child = await w.asset({ by: 'dan', ingredients: [{ relationship: 'parentOf', record: b.cid }] })
      await w.license(b, 'cat')
      const report = await w.verify(child.cid)
      expectCode(report, 'chain.fork', b.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'chain.fork')?.related, [root.cid, a.cid])
    })

    it('chain.foreignPrevious when previous names another author\'s record (an error); any kind is a valid previous', async () => {
      const bobs = await w.asset({ by: 'bob' })
      const mine = await w.asset({ by: 'ann', previous: bobs.cid })
      const report = await w.verify(mine.cid)
      expectCode(report, 'chain.foreignPrevious', mine.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'chain.foreignPrevious')?.related, [bobs.cid])
      assert.equal(report.verdict, 'failed')
      // a license of ann's own is a fine previous for her next asset
      const own = await w.asset({ by: 'ann' })
      const lic = await w.license(own, 'ann')
      const next = await w.asset({ by: 'ann', previous: lic.cid })
      const clean = await w.verify(next.cid)
      assert.deepEqual(codesOf(clean).filter(c => c.startsWith('chain.') || c.startsWith('time.')), [])
      // a previous this node does not hold is not compared
      assert.deepEqual(codesOf(await w.verify((await w.asset({ by: 'ann', previous: strayRecordCid() })).cid)).filter(c => c.startsWith('chain.')), [])
    })

    it('chain.backdated when validFrom is earlier than the previous record\'s', async () => {
      const prev = await w.asset({ by: 'eve' })
      const back = await w.asset({ by: 'eve', previous: prev.cid, at: prev.time - DAY })
      const report = await w.verify(back.cid)
      expectCode(report, 'chain.backdated', back.cid)
      assert.deepEqual(report.findings.find(f => f.code === 'chain.backdated')?.related, [prev.cid])
      assert.equal(report.verdict, 'warnings')
      // the same instant is not back-dated
      expectNo(await w.verify((await w.asset({ by: 'eve', previous: back.cid, at: back.time })).cid), 'chain.backdated')
    })

    it('time.future when validFrom or proof.created is beyond now plus the clock-skew bound', async () => {
      const now = w.clock
      const soon = await w.asset({ by: 'fay', at: now + 4 * 60_000 })
      expectNo(await w.verify(soon.cid, { now }), 'time.future')
      const later = await w.asset({ by: 'fay', at: now + 6 * 60_000 })
      const report = await w.verify(later.cid, { now })
      expectCode(report, 'time.future', later.cid)
      assert.equal(report.verdict, 'warnings')
      expectNo(await w.verify(later.cid, { now, clockSkew: 10 * 60_000 }), 'time.future')
      expectNo(await w.verify(later.cid, { now: now + DAY }), 'time.future')
      const signedLater = await w.asset({ by: 'fay', at: now, created: now + DAY })
      const r2 = await w.verify(signedLater.cid, { now })
      expectCode(r2, 'time.future', signedLater.cid)
      assert.match(r2.findings.find(f => f.code === 'time.future')?.message ?? '', /proof\.created/)
    })
  })

  describe('reports', () => {
    it('walks a derivation chain and reports each record once, in visit order', async () => {
      const bytes = new TextEncoder().encode('root bytes')
      const content = await w.addContent(bytes)
      const root = await w.asset({ by: 'ann', title: 'root', content, byteSize: bytes.length })
      await w.license(root, 'ann')
      let prev = root
      const chain = [root]
      for (let i = 1; i <= 5; i++) {
        prev = await w.asset({ by: i % 2 === 0 ? 'ann' : 'bob', title: `step ${i}`, ingredients: [{ relationship: 'parentOf', record: prev.cid }] })
        if (i % 2 === 1) await w.license(prev, 'bob')
        else await w.license(prev, 'ann')
        chain.push(prev)
      }
      const report = await w.verify(prev.cid)
      assert.deepEqual(report.records.map(r => r.cid), chain.reverse().map(r => r.cid))
      assert.deepEqual(report.records.map(r => r.depth), [0, 1, 2, 3, 4, 5])
      assert.equal(report.findings.filter(f => f.code === 'signature.valid').length, 6)
      assert.equal(report.findings.filter(f => f.code === 'license.permitted').length, 5)
      assert.equal(report.verdict, 'verified')
      const again = await w.verify(prev.cid, { now: Date.parse(report.checkedAt) })
      assert.deepEqual(again, report, 'a report is a pure function of the records and `now`')
    })

    it('the verdict rule', () => {
      assert.equal(verdictOf([]), 'verified')
      assert.equal(verdictOf([{ severity: 'info' }]), 'verified')
      assert.equal(verdictOf([{ severity: 'info' }, { severity: 'warning' }]), 'warnings')
      assert.equal(verdictOf([{ severity: 'warning' }, { severity: 'error' }, { severity: 'info' }]), 'failed')
    })
  })

  it('every code is produced by a test above, and protocols/verification.md lists each with its severity', async () => {
    const codes = Object.keys(VERIFICATION_CODES).sort()
    assert.deepEqual([...produced].sort(), codes, 'a failing (or triggering) example for every code')
    const doc = await readFile(new URL('../../protocols/verification.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `([a-z]+\.[A-Za-z_]+)` \| (info|warning|error) \|/gm)].map(m => [m[1], m[2]])
    assert.deepEqual(rows.map(r => r[0]).sort(), codes, 'the table lists exactly the codes')
    for (const [code, severity] of rows) assert.equal(severity, VERIFICATION_CODES[code as VerificationCode].severity, code)
  })
})
