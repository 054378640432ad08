/**
 * Import a CARv1 stream: every block is checked against its CID (the hash of its bytes) before it is stored, then
 * every root is pinned (recursively: a root whose DAG is not whole, in the CAR or already here, is refused). A bad
 * block, a broken frame or an incomplete DAG fails the whole import: the roots it pinned are unpinned and the
 * blocks it wrote that were not here before are deleted, so nothing of a failed import stays pinned or stored.
 *
 * Runs under the gc lock held shared (the caller takes it), so a gc never sees the blocks before their pin.
 */
import { createHash } from 'node:crypto'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { isAtelierError } from '../errors.ts'
import { readCar } from './car-reader.ts'
import { BlockHashMismatchError, CarFormatError, IncompleteDagError } from './errors.ts'

export interface CarImportResult {
  roots: string[]
  /** blocks in the CAR */
  blocks: number
  /** bytes of block data in the CAR */
  bytes: number
  /** blocks this node did not hold before */
  added: number
}

export interface CarImportComponents {
  has: (cid: CID) => Promise<boolean>
  put: (cid: CID, bytes: Uint8Array, options: AbortOptions) => Promise<unknown>
  /** delete a block this import wrote, unless something pinned it meanwhile (a concurrent add of the same bytes) */
  remove: (cid: CID) => Promise<void>
  /** pin recursively; resolves false when the root was pinned already */
  pin: (cid: CID, options: AbortOptions) => Promise<boolean>
  unpin: (cid: CID) => Promise<void>
  /** make written blocks and pins durable before answering */
  sync: () => Promise<void>
}

/** Hash functions a CAR block may use, by multihash code */
const HASHES: ReadonlyMap<number, string> = new Map([[0x12, 'sha256'], [0x13, 'sha512']])

/** Throws BlockHashMismatchError when `bytes` do not hash to `cid` */
export function verifyBlock (cid: CID, bytes: Uint8Array): void {
  const code = cid.multihash.code
  let digest: Uint8Array
  if (code === 0x00) digest = bytes
  else {
    const algorithm = HASHES.get(code)
    if (algorithm == null) throw new CarFormatError(`block ${cid} uses hash function 0x${code.toString(16)}; only sha2-256, sha2-512 and identity are checked here`)
    digest = createHash(algorithm).update(bytes).digest()
  }
  if (!Buffer.from(digest).equals(cid.multihash.digest)) {
    throw new BlockHashMismatchError(`block ${cid} in the CAR does not hash to its CID: the CAR is corrupted or forged`, { details: { cid: cid.toString() } })
  }
}

export async function importCar (source: AsyncIterable<Uint8Array>, c: CarImportComponents, options: AbortOptions & { onBytes?: (bytes: number) => void } = {}): Promise<CarImportResult> {
  const written: CID[] = []
  const pinned: CID[] = []
  let blocks = 0
  let bytes = 0
  try {
    const car = await readCar(source)
    for await (const block of car.blocks()) {
      options.signal?.throwIfAborted()
      verifyBlock(block.cid, block.bytes)
      blocks++
      bytes += block.bytes.byteLength
      options.onBytes?.(bytes)
      if (block.cid.multihash.code === 0x00 || await c.has(block.cid)) continue
      await c.put(block.cid, block.bytes, options)
      written.push(block.cid)
    }
    for (const root of car.roots) {
      try {
        if (await c.pin(root, options)) pinned.push(root)
      } catch (err: any) {
        if (err.name !== 'NotFoundError') {
          if (isAtelierError(err)) throw err
          // a block under the root that does not decode as its CID's codec says
          throw new CarFormatError(`the DAG under root ${root} does not decode: ${err.message}`, { cause: err, details: { root: root.toString() } })
        }
        throw new IncompleteDagError(`the DAG under root ${root} is not whole: ${err.message}`, { cause: err, details: { root: root.toString() } })
      }
    }
    await c.sync()
    return { roots: car.roots.map(r => r.toString()), blocks, bytes, added: written.length }
  } catch (err) {
    for (const root of pinned) await c.unpin(root).catch(() => {})
    for (const cid of written) await c.remove(cid).catch(() => {})
    throw err
  }
}
