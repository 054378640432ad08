/**
 * Test helpers for sync: an in-memory SyncSource over synthetic records, item sets with chosen differences, and
 * real libp2p nodes on 127.0.0.1.
 *
 * A synthetic record is `8-byte big-endian timestamp ‖ payload`; its id is the sha-256 of those bytes, so the
 * source can rebuild the item of any record it receives, as the node does from a record's `validFrom`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { buildLibp2pOptions } from '../../../src/net/libp2p-config.ts'
import { createSyncItems, idKey, recordIdOf } from '../../../src/net/sync/items.ts'
import { sync } from '../../../src/net/sync/index.ts'
import type { IngestContext, IngestResult, SyncInit, SyncProtocol, SyncSource } from '../../../src/net/sync/index.ts'
import type { SyncItem, SyncItems } from '../../../src/net/sync/items.ts'
import type { Libp2p } from '@libp2p/interface'

/** Records starting with this byte after the timestamp are refused by MemorySource.ingest */
export const POISON = 0xee
/** Records starting with this byte after the timestamp make MemorySource.ingest throw */
export const EXPLOSIVE = 0xef

/** sha-256 of `bytes` */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/** A synthetic record of `size` bytes at `timestamp` */
export function makeRecord (timestamp: number, size = 1100, fill?: number): Uint8Array {
  const bytes = new Uint8Array(size)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(timestamp))
  if (fill == null) bytes.set(randomBytes(size - 8), 8)
  else bytes.fill(fill, 8)
  // random bytes must not poison the record by chance
  if (fill == null && (bytes[8] === POISON || bytes[8] === EXPLOSIVE)) bytes[8] = 0
  return bytes
}

/** The timestamp a synthetic record carries */
export function timestampOf (bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0))
}

/** An in-memory SyncSource holding synthetic records, serving the scopes given */
export class MemorySource implements SyncSource {
  readonly records = new Map<string, { timestamp: number, bytes: Uint8Array }>()
  readonly served: string[]
  readonly ingested: Array<{ bytes: Uint8Array, context: IngestContext }> = []
  /** when set, ingest waits this long per record */
  ingestDelayMs = 0
  /** when set, getRecords throws after yielding this many records */
  failGetRecordsAfter: number | undefined
  private cache: SyncItems | undefined

  constructor (served: string[] = ['scope-1']) {
    this.served = served
  }

  /** Add a record; returns its id */
  add (bytes: Uint8Array): Uint8Array {
    const id = sha256(bytes)
    this.records.set(idKey(id), { timestamp: timestampOf(bytes), bytes })
    this.cache = undefined
    return id
  }

  /** Ids held, as hex, sorted */
  keys (): string[] {
    return [...this.records.keys()].sort()
  }

  scopes (): string[] {
    return this.served
  }

  async items (): Promise<SyncItems> {
    this.cache ??= createSyncItems([...this.records].map(([key, r]): SyncItem => ({ timestamp: r.timestamp, id: Buffer.from(key, 'hex') })))
    return this.cache
  }

  async * getRecords (cids: string[]): AsyncIterable<Uint8Array> {
    for (const cid of cids) {
      if (this.failGetRecordsAfter != null && this.failGetRecordsAfter-- <= 0) throw new Error('store failed on purpose')
      const r = this.records.get(idKey(recordIdOf(cid)))
      if (r != null) yield r.bytes
    }
  }

  timestampOf (bytes: Uint8Array): number | undefined {
    return bytes.length >= 8 ? timestampOf(bytes) : undefined
  }

  async ingest (bytes: Uint8Array, context: IngestContext): Promise<IngestResult> {
    if (this.ingestDelayMs > 0) await new Promise(resolve => setTimeout(resolve, this.ingestDelayMs))
    this.ingested.push({ bytes, context })
    if (bytes.length < 9 || bytes[8] === POISON) return 'rejected'
    if (bytes[8] === EXPLOSIVE) throw new Error('ingest failed on purpose')
    const key = idKey(sha256(bytes))
    if (this.records.has(key)) return 'duplicate'
    this.add(bytes.slice())
    return 'added'
  }
}

/** `count` random synthetic records with timestamps spread over `spanMs` from `start` */
export function randomRecords (count: number, options: { start?: number, spanMs?: number, size?: number } = {}): Uint8Array[] {
  const start = options.start ?? 1_700_000_000_000
  const span = options.spanMs ?? count * 1000
  return Array.from({ length: count }, () => makeRecord(start + Math.floor(Math.random() * span), options.size ?? 200))
}

/** A libp2p node on 127.0.0.1 with the sync service over `source` */
export async function createSyncNode (source: SyncSource, init: SyncInit = {}): Promise<Libp2p<{ sync: SyncProtocol }>> {
  const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  return await createLibp2p({ ...base, services: { identify: base.services!.identify!, sync: sync(source, init) } })
}

/** Run `fn` with a deadline: a test that hangs fails instead */
export async function withDeadline<T> (ms: number, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`${what}: no result within ${ms} ms`))
    }, ms)
  })
  try {
    return await Promise.race([fn(controller.signal), deadline])
  } finally {
    clearTimeout(timer)
  }
}

import { seededRandom as prng } from '../../utils/random.ts'
/** seeded pseudo-random numbers in [0, 1), shared by the suites */
export { prng }

/** Item `n` of a test universe: a fixed id and a timestamp drawn from `rand` over `spanMs` */
export function universeItem (seed: number, n: number, timestamp: number): SyncItem {
  return { timestamp, id: sha256(new TextEncoder().encode(`${seed}:${n}`)) }
}
