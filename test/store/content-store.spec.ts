/**
 * The ContentStore over a real Helia node (blockstore-fs + datastore-level in a temp dir, libp2p on 127.0.0.1).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CarReader } from '@ipld/car'
import { unixfs } from '@helia/unixfs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import { collect, makeRecord, pieces, removeHome, startStore, tempHome, testBytes, unknownCid } from './helpers.ts'
import type { ContentStoreNode } from '../../src/store/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const CHUNK = 256 * 1024

describe('HeliaContentStore', () => {
  let home: string
  let node: ContentStoreNode
  const file = testBytes(5 * 1024 * 1024 + 12_345) // 21 leaves, the last one short
  let fileCid: string
  let privateKey: PrivateKey

  before(async () => {
    home = await tempHome()
    privateKey = await generateKeyPair('Ed25519')
    node = await startStore(home, { chunkSize: CHUNK, readAhead: 4 }, privateKey)
  })

  after(async () => {
    await node.stop()
    await removeHome(home)
  })

  it('adds a multi-MiB stream, reporting progress, and reads it back byte for byte', async () => {
    let progress = 0
    const added = await node.store.addContent(pieces(file), { onProgress: p => { progress = p.bytes } })
    fileCid = added.cid
    assert.equal(added.size, file.byteLength)
    assert.equal(progress, file.byteLength)
    assert.match(added.cid, /^bafy/) // CIDv1 dag-pb root
    const back = await collect(node.store.read(added.cid))
    assert.equal(back.byteLength, file.byteLength)
    assert.ok(back.equals(file))
  })

  it('stores raw leaves of chunkSize and pins every block', async () => {
    const root = CID.parse(fileCid)
    assert.ok(await node.helia.pins.isPinned(root))
    const car = await CarReader.fromIterable(node.store.exportCar(fileCid))
    let leaves = 0
    for await (const block of car.blocks()) {
      assert.ok(await node.helia.pins.isPinned(block.cid), `${block.cid} pinned`)
      if (block.cid.code === 0x55) {
        leaves++
        assert.ok(block.bytes.byteLength <= CHUNK)
      }
    }
    assert.equal(leaves, Math.ceil(file.byteLength / CHUNK))
  })

  it('adding the same content again gives the same CID', async () => {
    const again = await node.store.addContent(pieces(file, 1_000_000))
    assert.equal(again.cid, fileCid)
  })

  it('reads ranges byte-exact: start, middle, crossing chunk boundaries, the end', async () => {
    const ranges: Array<[number, number | undefined]> = [
      [0, 1], [0, 100], [1, CHUNK], [CHUNK - 1, 2], [CHUNK, CHUNK], [CHUNK - 10, 3 * CHUNK + 20],
      [3 * CHUNK + 7, 1], [file.byteLength - 1, 1], [file.byteLength - 5000, undefined], [1234, undefined],
      [file.byteLength, undefined], [100, 0]
    ]
    for (const [offset, length] of ranges) {
      const got = await collect(node.store.read(fileCid, { offset, length }))
      const want = file.subarray(offset, length == null ? undefined : offset + length)
      assert.ok(got.equals(want), `range ${offset}+${length}: ${got.byteLength} bytes, want ${want.byteLength}`)
    }
    // a length past the end is clamped
    assert.equal((await collect(node.store.read(fileCid, { offset: file.byteLength - 10, length: 1000 }))).byteLength, 10)
  })

  it('refuses an offset past the end and bad offsets', async () => {
    await assert.rejects(collect(node.store.read(fileCid, { offset: file.byteLength + 1 })), { name: 'RangeNotSatisfiableError' })
    await assert.rejects(collect(node.store.read(fileCid, { offset: -1 })), { name: 'InvalidRequestError' })
  })

  it('reads into lent buffers when asked: the same bytes, each chunk lent until given back, loads in flight given back on an early stop', async () => {
    const seen = new Set<ArrayBufferLike>()
    const parts: Buffer[] = []
    for await (const chunk of node.store.read(fileCid, { borrow: true })) {
      parts.push(Buffer.from(chunk)) // a copy: the chunk itself goes back below
      seen.add(chunk.buffer)
      assert.ok(node.store.lentBuffers().lent >= 1, 'the chunk in hand is still lent')
      node.store.giveBack(chunk)
      node.store.giveBack(chunk) // twice: ignored
    }
    assert.ok(Buffer.concat(parts).equals(file))
    const lending = node.store.lentBuffers()
    assert.equal(lending.lent, 0)
    assert.ok(lending.allocated >= 1 && lending.allocated <= 8, `lent from its own buffers (8 at most), got ${JSON.stringify(lending)}`)
    assert.ok(seen.size <= lending.allocated, 'buffers are reused, not allocated per leaf')

    // a range that starts and ends inside leaves: views of lent buffers, byte-exact
    const ranged: Buffer[] = []
    for await (const chunk of node.store.read(fileCid, { offset: CHUNK - 10, length: 3 * CHUNK, borrow: true })) {
      ranged.push(Buffer.from(chunk))
      node.store.giveBack(chunk)
    }
    assert.ok(Buffer.concat(ranged).equals(file.subarray(CHUNK - 10, 4 * CHUNK - 10)))

    // stop after the first chunk: the read-ahead loads are given back as they land
    for await (const chunk of node.store.read(fileCid, { borrow: true })) {
      node.store.giveBack(chunk)
      break
    }
    const deadline = Date.now() + 5000
    while (node.store.lentBuffers().lent > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
    assert.equal(node.store.lentBuffers().lent, 0)

    // without borrow, nothing is lent: chunks are the reader's to keep
    const before = node.store.lentBuffers().allocated
    const plain = await collect(node.store.read(fileCid))
    assert.ok(plain.equals(file))
    assert.deepEqual(node.store.lentBuffers(), { lent: 0, free: before, allocated: before })
  })

  it('stats files, raw blocks and records', async () => {
    assert.deepEqual(await node.store.stat(fileCid), { cid: fileCid, type: 'file', size: file.byteLength })
    const small = await node.store.addContent(pieces(Buffer.from('hello')))
    assert.match(small.cid, /^bafk/) // one chunk: the raw leaf is the root
    assert.deepEqual(await node.store.stat(small.cid), { cid: small.cid, type: 'raw', size: 5 })
    assert.equal((await collect(node.store.read(small.cid))).toString(), 'hello')
    assert.equal((await collect(node.store.read(small.cid, { offset: 1, length: 3 }))).toString(), 'ell')
    const empty = await node.store.addContent(pieces(Buffer.alloc(0)))
    assert.equal(empty.size, 0)
    assert.equal((await collect(node.store.read(empty.cid))).byteLength, 0)
  })

  it('fails fast with NotFoundError for a CID it does not hold (no network wait)', async () => {
    const cid = unknownCid()
    const started = Date.now()
    await assert.rejects(node.store.stat(cid), { name: 'NotFoundError' })
    await assert.rejects(node.store.getBlock(cid), { name: 'NotFoundError' })
    await assert.rejects(collect(node.store.read(cid)), { name: 'NotFoundError' })
    await assert.rejects(collect(node.store.exportCar(cid)), { name: 'NotFoundError' })
    await assert.rejects(node.store.getRecord(makeRecord({ missing: true }).cid), { name: 'NotFoundError' })
    assert.equal(await node.store.hasBlock(cid), false)
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
  })

  it('throws InvalidCIDError for strings that are not CIDs', async () => {
    for (const bad of ['', 'hello', 'bafy!!!', 'Qm123']) {
      await assert.rejects(node.store.stat(bad), { name: 'InvalidCIDError' })
      await assert.rejects(node.store.getBlock(bad), { name: 'InvalidCIDError' })
      await assert.rejects(collect(node.store.read(bad)), { name: 'InvalidCIDError' })
    }
    await assert.rejects(node.store.hasBlock('nope'), { name: 'InvalidCIDError' })
  })

  it('gets and checks single blocks', async () => {
    const small = await node.store.addContent(pieces(Buffer.from('block bytes')))
    assert.equal(Buffer.from(await node.store.getBlock(small.cid)).toString(), 'block bytes')
    assert.equal(await node.store.hasBlock(small.cid), true)
    const root = await node.store.getBlock(fileCid)
    assert.equal(createHash('sha256').update(root).digest().equals(Buffer.from(CID.parse(fileCid).multihash.digest)), true)
  })

  it('exports a CARv1 whose root and blocks verify', async () => {
    const reader = await CarReader.fromIterable(node.store.exportCar(fileCid))
    const roots = await reader.getRoots()
    assert.deepEqual(roots.map(String), [fileCid])
    let count = 0
    for await (const { cid, bytes } of reader.blocks()) {
      count++
      assert.ok(createHash('sha256').update(bytes).digest().equals(Buffer.from(cid.multihash.digest)), `${cid} verifies`)
    }
    assert.equal(count, Math.ceil(file.byteLength / CHUNK) + 1)
  })

  it('resolves paths inside UnixFS directories (made with @helia/unixfs)', async () => {
    const fs = unixfs(node.helia)
    const inner = await node.store.addContent(pieces(Buffer.from('inside a folder')))
    let dir = await fs.addDirectory()
    dir = await fs.cp(CID.parse(inner.cid), dir, 'note.txt')
    dir = await fs.cp(CID.parse(fileCid), dir, 'big.bin')
    const d = dir.toString()
    assert.equal((await collect(node.store.read(`${d}/note.txt`))).toString(), 'inside a folder')
    assert.equal((await collect(node.store.read(`/ipfs/${d}/note.txt`))).toString(), 'inside a folder')
    assert.deepEqual(await node.store.stat(`${d}/big.bin`), { cid: fileCid, type: 'file', size: file.byteLength })
    assert.equal((await node.store.stat(d)).type, 'directory')
    await assert.rejects(node.store.stat(`${d}/missing.txt`), { name: 'NotFoundError' })
    await assert.rejects(node.store.stat(`${d}/note.txt/deeper`), { name: 'NotFoundError' })
    await assert.rejects(collect(node.store.read(d)), { name: 'InvalidRequestError' })
  })

  it('reads files with dag-pb leaves and CIDv0 (as other IPFS nodes make them)', async () => {
    const fs = unixfs(node.helia)
    const bytes = testBytes(700_000)
    const cid = await fs.addBytes(bytes, { cidVersion: 0, rawLeaves: false })
    assert.equal(cid.version, 0)
    assert.ok((await collect(node.store.read(cid.toString()))).equals(bytes))
    assert.ok((await collect(node.store.read(cid.toString(), { offset: 262_000, length: 300_000 }))).equals(bytes.subarray(262_000, 562_000)))
  })

  it('puts, gets and lists records, and refuses bytes that do not match their CID', async () => {
    const records = Array.from({ length: 300 }, (_, i) => makeRecord({ type: 'test', i }))
    await node.store.putRecord(records[0].cid, records[0].bytes)
    await node.store.putRecord(records[0].cid, records[0].bytes) // twice is fine
    await node.store.putRecords(records.slice(1))
    assert.deepEqual(Buffer.from(await node.store.getRecord(records[7].cid)), Buffer.from(records[7].bytes))
    assert.ok(await node.helia.pins.isPinned(CID.parse(records[7].cid)))
    const listed = new Map<string, Uint8Array>()
    for await (const r of node.store.allRecords()) listed.set(r.cid, r.bytes)
    assert.equal(listed.size, records.length)
    for (const r of records) assert.deepEqual(Buffer.from(listed.get(r.cid) as Uint8Array), Buffer.from(r.bytes))

    const other = makeRecord({ other: true })
    await assert.rejects(node.store.putRecord(other.cid, records[0].bytes), { name: 'InvalidRecordError' })
    await assert.rejects(node.store.putRecord(fileCid, records[0].bytes), { name: 'InvalidRecordError' })
    await assert.rejects(node.store.getRecord(fileCid), { name: 'NotFoundError' })
  })

  it('reports usage', async () => {
    const usage = await node.store.usage()
    assert.ok(usage.blocks > 300)
    assert.ok(usage.bytes > file.byteLength)
  })

  it('finds everything again after a restart on the same dir', async () => {
    const record = makeRecord({ survives: 'restart' })
    await node.store.putRecord(record.cid, record.bytes)
    const peerId = node.libp2p.peerId.toString()
    const before = await node.store.usage()
    await node.stop()
    assert.throws(() => node.libp2p, { name: 'NotReadyError' })

    const again = await startStore(home, { chunkSize: CHUNK }, privateKey)
    node = again // so after() stops the running one
    assert.equal(again.libp2p.peerId.toString(), peerId)
    assert.deepEqual(await again.store.usage(), before)
    assert.ok((await collect(again.store.read(fileCid))).equals(file))
    assert.deepEqual(Buffer.from(await again.store.getRecord(record.cid)), Buffer.from(record.bytes))
    let n = 0
    for await (const _ of again.store.allRecords()) n++
    assert.equal(n, 301)
    assert.ok(await again.helia.pins.isPinned(CID.parse(fileCid)))
  })
})
