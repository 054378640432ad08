/**
 * The pins of a stopped node's datastore, and whether every block each pin names is in the blockstore: what
 * `atelier doctor` checks. Reads Helia's pin keys (`/pin/<base36 CID>`, helia/src/pins.ts) directly, with no Helia
 * or libp2p started, and walks each pinned DAG offline: link-carrying blocks (dag-pb) are read, leaves only looked
 * for (a stat, not a read), so a check of a large file costs one stat per leaf.
 */
import * as dagPb from '@ipld/dag-pb'
import type { LevelDatastore } from 'datastore-level'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import type { FastFsBlockstore } from './fs-blockstore.ts'

const PIN_PREFIX = '/pin/'

export interface PinCheck {
  pins: number
  /** blocks looked for under every pin */
  blocks: number
  /** pins with at least one block missing: root CID and how many blocks it lacks */
  incomplete: Array<{ root: string, missing: number }>
  /** pin keys that do not name a CID */
  unreadable: string[]
}

/** Check every pin of `datastore` against `blocks`; `onBlock` is called per block looked for (progress) */
export async function checkPins (datastore: LevelDatastore, blocks: Pick<FastFsBlockstore, 'getBytes' | 'has'>, onBlock?: () => void): Promise<PinCheck> {
  const out: PinCheck = { pins: 0, blocks: 0, incomplete: [], unreadable: [] }
  for await (const key of datastore.queryKeys({ prefix: PIN_PREFIX })) {
    let root: CID
    try {
      root = CID.parse(key.toString().slice(PIN_PREFIX.length), base36)
    } catch {
      out.unreadable.push(key.toString())
      continue
    }
    out.pins++
    let missing = 0
    const stack: CID[] = [root]
    while (stack.length > 0) {
      const cid = stack.pop() as CID
      out.blocks++
      onBlock?.()
      if (cid.code !== dagPb.code) {
        if (!(await blocks.has(cid))) missing++
        continue
      }
      let bytes: Uint8Array
      try {
        bytes = await blocks.getBytes(cid)
      } catch (err: any) {
        if (err.name !== 'NotFoundError') throw err
        missing++
        continue
      }
      for (const link of dagPb.decode(bytes).Links) stack.push(link.Hash)
    }
    if (missing > 0) out.incomplete.push({ root: root.toString(), missing })
  }
  return out
}
