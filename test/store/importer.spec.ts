/**
 * The streaming importer must build exactly the DAG @helia/unixfs builds with the same settings (CIDv1, raw leaves,
 * fixed chunks, balanced layout of 1024 links), so CIDs agree with other IPFS tools.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { unixfs } from '@helia/unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import { importFile } from '../../src/store/importer.ts'
import { pieces, testBytes } from './helpers.ts'

/** A minimal in-memory blockstore (what @helia/unixfs needs of one) */
function memoryBlockstore (): { put: (cid: CID, bytes: Uint8Array) => Promise<CID>, get: (cid: CID) => AsyncGenerator<Uint8Array>, has: (cid: CID) => Promise<boolean>, size: () => number } {
  const blocks = new Map<string, Uint8Array>()
  return {
    async put (cid, bytes) { blocks.set(cid.toString(), Uint8Array.from(bytes)); return cid },
    async * get (cid) {
      const b = blocks.get(cid.toString())
      if (b == null) throw new Error('not found')
      yield b
    },
    async has (cid) { return blocks.has(cid.toString()) },
    size: () => blocks.size
  }
}

async function reference (bytes: Uint8Array, chunkSize: number, maxChildrenPerNode = 1024): Promise<string> {
  const fs = unixfs({ blockstore: memoryBlockstore() })
  const cid = await fs.addByteStream(pieces(bytes, 1000), {
    cidVersion: 1,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize }),
    layout: balanced({ maxChildrenPerNode })
  })
  return cid.toString()
}

async function ours (bytes: Uint8Array, chunkSize: number, piece = 777, maxChildrenPerNode = 1024): Promise<{ cid: string, size: number, blocks: number }> {
  const store = memoryBlockstore()
  const { cid, size } = await importFile(pieces(bytes, piece), async (c, b) => store.put(c, b), { chunkSize, writeConcurrency: 3, maxChildrenPerNode })
  return { cid: cid.toString(), size, blocks: store.size() }
}

describe('importFile', () => {
  const chunk = 64
  const cases: Array<[string, number]> = [
    ['empty', 0],
    ['one byte', 1],
    ['one chunk less a byte', chunk - 1],
    ['exactly one chunk', chunk],
    ['one chunk and a byte', chunk + 1],
    ['a few chunks', chunk * 3 + 5],
    ['exactly 1024 leaves', chunk * 1024],
    ['1025 leaves (two levels, a one-link parent)', chunk * 1025]
  ]
  for (const [name, size] of cases) {
    it(`matches @helia/unixfs: ${name}`, async () => {
      const bytes = testBytes(size)
      const got = await ours(bytes, chunk)
      assert.equal(got.size, size)
      assert.equal(got.cid, await reference(bytes, chunk))
    })
  }

  // with 4 links per node, deep trees stay small: 4^3 + 1 leaves make four levels
  for (const leaves of [16, 17, 64, 65, 100]) {
    it(`matches @helia/unixfs with 4 links per node: ${leaves} leaves`, async () => {
      const bytes = testBytes(leaves * 10 - 3)
      assert.equal((await ours(bytes, 10, 7, 4)).cid, await reference(bytes, 10, 4))
    })
  }

  it('is not fooled by source pieces that are exactly one chunk, or larger than one', async () => {
    const bytes = testBytes(1024 * 10 + 3)
    assert.equal((await ours(bytes, 1024, 1024)).cid, await reference(bytes, 1024))
    assert.equal((await ours(bytes, 1024, 5000)).cid, await reference(bytes, 1024))
  })

  it('reports a failed write and stops', async () => {
    let writes = 0
    await assert.rejects(importFile(pieces(testBytes(10_000)), async () => {
      if (++writes === 3) throw new Error('disk full')
    }, { chunkSize: 100, writeConcurrency: 2 }), /disk full/)
    assert.ok(writes < 20, `stopped early (${writes} writes)`)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(importFile(pieces(testBytes(10_000)), async () => {}, { chunkSize: 100 }, { signal: controller.signal }), { name: 'AbortError' })
  })
})
