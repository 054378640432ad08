/**
 * NodeBlockstore: the node's one blockstore, content blocks in files and record blocks from the record store.
 *
 * Records are stored once, in the index database, in the same batch as their index entries (index schema 4, see
 * src/index/sublevels.ts); they have no block file. Helia (bitswap, `/ipfs`, CAR export, sync) still reads them by
 * CID: a json-codec CID is looked up in the record store first and in the files after (a record fetched from a
 * peer by bitswap but never ingested, or a record block an older release wrote and the start-up migration has not
 * moved yet). Deleting a json block deletes its file only: record bodies leave the record store through the index,
 * never through Helia's garbage collector.
 */
import * as json from 'multiformats/codecs/json'
import { FastFsBlockstore } from './fs-blockstore.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Where record bodies are stored (the node's index): undefined when it does not store the record */
export interface RecordBodySource {
  stored(cid: string): Promise<Uint8Array | undefined>
}

export class NodeBlockstore extends FastFsBlockstore {
  #records?: RecordBodySource

  /** Serve record blocks from `source` from now on (the index opens after the blockstore) */
  attachRecords (source: RecordBodySource | undefined): void {
    this.#records = source
  }

  async #record (cid: CID, options: AbortOptions): Promise<Uint8Array | undefined> {
    if (cid.code !== json.code || this.#records == null) return undefined
    options.signal?.throwIfAborted()
    try {
      return await this.#records.stored(cid.toString())
    } catch (err: any) {
      // the index closing or being swapped: the file store may still answer
      if (err.name === 'NotReadyError') return undefined
      throw err
    }
  }

  /** The block file's bytes, never the record store's */
  async fileBytes (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return await super.getBytes(cid, options)
  }

  override async getBytes (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return (await this.#record(cid, options)) ?? await super.getBytes(cid, options)
  }

  override async sizeOf (cid: CID): Promise<number> {
    const record = await this.#record(cid, {})
    return record != null ? record.byteLength : await super.sizeOf(cid)
  }

  override async has (cid: CID, options: AbortOptions = {}): Promise<boolean> {
    return (await this.#record(cid, options)) != null || await super.has(cid, options)
  }
}
