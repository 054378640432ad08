/**
 * Shared helpers of the store tests: a real store on a temp dir (libp2p on 127.0.0.1, port 0) and test data.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { createContentStore } from '../../src/store/index.ts'
import type { ContentStoreNode } from '../../src/store/index.ts'
import type { StoreConfig } from '../../src/config.ts'
import type { PrivateKey } from '@libp2p/interface'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

export async function tempHome (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'atelier-store-test-'))
}

export async function removeHome (home: string): Promise<void> {
  await rm(home, { recursive: true, force: true })
}

export async function startStore (home: string, config: Partial<StoreConfig> = {}, privateKey?: PrivateKey): Promise<ContentStoreNode> {
  const node = createContentStore({
    home,
    config: { readAhead: config.readAhead ?? 4, chunkSize: config.chunkSize ?? 256 * 1024, fsync: config.fsync ?? true, gcWaitMs: config.gcWaitMs ?? 30_000, serveBuffers: config.serveBuffers ?? 8 },
    privateKey: privateKey ?? await generateKeyPair('Ed25519'),
    listen: LOOPBACK
  })
  await node.start()
  return node
}

/** Deterministic-looking but distinct bytes: random, so no two chunks dedupe */
export function testBytes (size: number): Buffer {
  return randomBytes(size)
}

/** Yield `bytes` in pieces of `piece` bytes (odd sizes exercise the chunker) */
export async function * pieces (bytes: Uint8Array, piece = 65_537): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += piece) yield bytes.subarray(i, Math.min(i + piece, bytes.byteLength))
}

export async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

/** A record block: JSON bytes and their json-codec CID */
export function makeRecord (value: unknown): { cid: string, bytes: Uint8Array } {
  const bytes = json.encode(value)
  return { cid: CID.createV1(json.code, sha256Digest(bytes)).toString(), bytes }
}

/** A valid raw-codec CID of bytes nobody stored */
export function unknownCid (): string {
  return CID.createV1(raw.code, sha256Digest(randomBytes(32))).toString()
}

function sha256Digest (bytes: Uint8Array): Digest.Digest<0x12, number> {
  return Digest.create(0x12, createHash('sha256').update(bytes).digest())
}
