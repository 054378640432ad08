/**
 * The content and block store: Helia over blockstore-fs (blocks) and a Level datastore.
 * Records are blocks too (codec json). `src/store/index.ts` exports `createContentStore()`.
 */
import type { AbortOptions } from '@libp2p/interface'

export interface AddProgress {
  /** bytes of the source read so far */
  bytes: number
}

export interface AddContentOptions extends AbortOptions {
  onProgress?: (p: AddProgress) => void
}

export interface AddedContent {
  /** root CID string of the UnixFS file */
  cid: string
  /** file size in bytes */
  size: number
}

export interface ContentStat {
  cid: string
  /** 'file' | 'directory' | 'raw' | 'json' | 'other' */
  type: string
  /** file size in bytes (for a raw block, its length) */
  size: number
}

/**
 * Options of every read. By default reads are local: a block this node does not hold is a NotFoundError at once.
 * `offline: false` lets the read ask connected peers (bitswap); pass a `signal` with a deadline then, since a block
 * nobody has is waited for until the signal fires.
 */
export interface StoreReadOptions extends AbortOptions {
  /** @default true */
  offline?: boolean
}

export interface ReadOptions extends StoreReadOptions {
  /** first byte to read. @default 0 */
  offset?: number
  /** bytes to read from `offset`; clamped to the end of the file. @default to the end */
  length?: number
}

/** What the node and gateway need of storage */
export interface ContentStore {
  /** Import a stream of bytes as a UnixFS file (raw leaves, CIDv1), pin it; memory stays bounded whatever the size */
  addContent(source: AsyncIterable<Uint8Array>, options?: AddContentOptions): Promise<AddedContent>
  /** Stat a CID (optionally a path under it); throws NotFoundError when the block is not held, InvalidCIDError for a bad string */
  stat(cidOrPath: string, options?: StoreReadOptions): Promise<ContentStat>
  /**
   * Stream a file's bytes, or a range of them, with bounded read-ahead. NotFoundError / InvalidCIDError /
   * RangeNotSatisfiableError (offset past the end) are thrown by the first `next()`, before any byte is yielded.
   */
  read(cidOrPath: string, options?: ReadOptions): AsyncIterable<Uint8Array>
  /** One block's bytes (a path is resolved first) */
  getBlock(cidOrPath: string, options?: StoreReadOptions): Promise<Uint8Array>
  /** True when the block is stored locally (never asks the network) */
  hasBlock(cid: string, options?: AbortOptions): Promise<boolean>
  /**
   * A CARv1 of the whole DAG under `cidOrPath` (a path is resolved first; the CAR's root is the resolved CID),
   * blocks in depth-first pre-order, each once, streamed. A missing root is thrown by the first `next()`.
   */
  exportCar(cidOrPath: string, options?: StoreReadOptions): AsyncIterable<Uint8Array>
  /** Pin a DAG; with `offline: false`, first fetch whatever blocks of it are missing from connected peers */
  pin(cidOrPath: string, options?: StoreReadOptions): Promise<void>
  /** Store a record as a pinned block file (bytes already validated; `cid` is their json-codec CID). A node stores
   * the records it holds in its index instead (record-blockstore.ts); this is how releases before index schema 4
   * stored them, kept for tools and tests. */
  putRecord(cid: string, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** Many `putRecord`s at once */
  putRecords(records: Array<{ cid: string, bytes: Uint8Array }>, options?: AbortOptions): Promise<void>
  /** A record's bytes by CID: from the record store the blockstore serves, else a record block file */
  getRecord(cid: string, options?: StoreReadOptions): Promise<Uint8Array>
  /** Every pinned record block file (json codec): what an older release wrote, for the start-up migration */
  allRecords(options?: AbortOptions): AsyncIterable<{ cid: string, bytes: Uint8Array }>
  /** Unpin and delete record block files (their bodies are stored in the index) */
  removeRecordBlocks(cids: string[], options?: AbortOptions): Promise<void>
  /** Bytes used by the blockstore on disk */
  usage(): Promise<{ blocks: number, bytes: number }>
}
