/**
 * Generates the `/atelier/sync/1.0.0` test vectors in this folder (see README.md): varints and fingerprints, one
 * frame of each type, and whole reconciliations between fixed item sets, frame by frame in hex, with the final
 * difference. Deterministic: every item derives from its number (README.md, "Items").
 *
 * Run `node protocols/vectors/sync/generate.ts` to rewrite the files; test/net/sync/vectors.spec.ts regenerates
 * them in memory and compares byte for byte, then replays every transcript through the decoder.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { decodeMessage, encodeFrame } from '../../../src/net/sync/codec.ts'
import { createSyncItems, ItemSet, recordCidOf } from '../../../src/net/sync/items.ts'
import { simulate } from '../../../src/net/sync/reconcile.ts'
import { encodeVarint } from '../../../src/net/sync/varint.ts'
import { DEFAULT_BUCKETS, DEFAULT_IDLIST_THRESHOLD, SYNC_PROTOCOL } from '../../../src/net/sync/constants.ts'
import type { SyncMessage, Range } from '../../../src/net/sync/codec.ts'
import type { SyncItem, SyncItems } from '../../../src/net/sync/items.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** 2025-01-01T00:00:00Z: the epoch of the vector items */
export const T0 = 1_735_689_600_000

/** Item number `n`: id = sha-256("atelier-sync-vector:" + n); timestamp = T0 + 1000 × floor(n / 3) (three per second) */
export function vectorItem (n: number): SyncItem {
  return { timestamp: T0 + 1000 * Math.floor(n / 3), id: sha256(utf8(`atelier-sync-vector:${n}`)) }
}

/** Item number `n` at one shared timestamp, so that bounds need id prefixes */
function sameTimeItem (n: number): SyncItem {
  return { timestamp: T0, id: sha256(utf8(`atelier-sync-vector:${n}`)) }
}

function items (numbers: Iterable<number>, make: (n: number) => SyncItem = vectorItem): SyncItems {
  return createSyncItems([...numbers].map(make))
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

function itemsJson (set: SyncItems): Array<{ timestamp: number, id: string }> {
  const s = new ItemSet(set)
  return Array.from({ length: s.length }, (_, i) => ({ timestamp: s.timestamp(i), id: hex(s.id(i)) }))
}

function rangeJson (r: Range): object {
  const upper = r.upper.timestamp === Infinity ? { timestamp: 'infinity', prefix: '' } : { timestamp: r.upper.timestamp, prefix: hex(r.upper.prefix) }
  if (r.mode === 'skip') return { upper, mode: 'skip' }
  if (r.mode === 'fingerprint') return { upper, mode: 'fingerprint', fingerprint: hex(r.fingerprint) }
  return { upper, mode: 'idlist', ids: r.ids.map(hex) }
}

/** A message in readable form, next to its hex */
export function messageJson (msg: SyncMessage): object {
  switch (msg.type) {
    case 'open': return { type: 'OPEN', scope: msg.scope, ranges: msg.ranges.map(rangeJson) }
    case 'reconcile': return { type: 'RECONCILE', ranges: msg.ranges.map(rangeJson) }
    case 'want': return { type: 'WANT', ids: msg.ids.map(hex) }
    case 'record': return { type: 'RECORD', bytes: hex(msg.bytes) }
    case 'done': return { type: 'DONE' }
    case 'error': return { type: 'ERROR', code: msg.code, message: msg.message }
  }
}

const SCOPE = recordCidOf(sha256(utf8('{"example":"collective charter"}'))).toString()

interface Exchange {
  file: string
  description: string
  a: SyncItems
  b: SyncItems
  options: { buckets: number, idListThreshold: number }
}

function exchangeVector (x: Exchange): object {
  const result = simulate(x.a, x.b, { ...x.options, scope: SCOPE })
  const body = (frame: Uint8Array): Uint8Array => frame.subarray(frame.length - bodyLength(frame))
  return {
    description: x.description,
    protocol: SYNC_PROTOCOL,
    scope: SCOPE,
    options: x.options,
    a: itemsJson(x.a),
    b: itemsJson(x.b),
    transcript: result.frames.map(f => ({ from: f.from, frameHex: hex(f.frame), message: messageJson(decodeMessage(body(f.frame))) })),
    rounds: result.rounds,
    result: {
      aSends: result.aSends.map(hex).sort(),
      bSends: result.bSends.map(hex).sort()
    }
  }
}

function bodyLength (frame: Uint8Array): number {
  let value = 0
  let scale = 1
  for (let i = 0; ; i++) {
    value += (frame[i] & 0x7f) * scale
    if ((frame[i] & 0x80) === 0) return value
    scale *= 128
  }
}

function basicsVector (): object {
  const varints = [0, 1, 127, 128, 300, 16_384, 1_735_689_600_001, Number.MAX_SAFE_INTEGER].map(value => ({ value, hex: hex(encodeVarint(value)) }))
  const sets = [
    { description: 'empty set', numbers: [] as number[] },
    { description: 'item 0 alone', numbers: [0] },
    { description: 'items 0 … 2 (one timestamp)', numbers: [0, 1, 2] },
    { description: 'items 0 … 99', numbers: range(0, 100) }
  ]
  return {
    description: 'Varints (unsigned LEB128, minimal) and fingerprints: first 16 bytes of sha-256(sum of ids as 256-bit little-endian integers mod 2^256, 32 bytes little-endian ‖ varint(count))',
    varints,
    fingerprints: sets.map(({ description, numbers }) => {
      const set = new ItemSet(items(numbers))
      let sum = 0n
      for (let i = 0; i < set.length; i++) sum = (sum + BigInt('0x' + hex(set.id(i).slice().reverse()))) % (1n << 256n)
      const sumLe = Buffer.from(sum.toString(16).padStart(64, '0'), 'hex').reverse()
      return { description, count: set.length, items: itemsJson(set.items), sumHex: hex(sumLe), fingerprint: hex(set.fingerprint(0, set.length)) }
    })
  }
}

function framesVector (): object {
  const id = (n: number): Uint8Array => vectorItem(n).id
  const messages: Array<{ description: string, message: SyncMessage }> = [
    {
      description: 'OPEN from a node holding nothing: one IDLIST range with no ids, up to infinity',
      message: { type: 'open', scope: SCOPE, ranges: [{ upper: { timestamp: Infinity, prefix: new Uint8Array(0) }, mode: 'idlist', ids: [] }] }
    },
    {
      description: 'RECONCILE: SKIP to T0+2000, FINGERPRINT to (T0+2000, prefix 0x80), IDLIST of two ids to infinity',
      message: {
        type: 'reconcile',
        ranges: [
          { upper: { timestamp: T0 + 2000, prefix: new Uint8Array(0) }, mode: 'skip' },
          { upper: { timestamp: T0 + 2000, prefix: Uint8Array.of(0x80) }, mode: 'fingerprint', fingerprint: new ItemSet(items([6, 7, 8])).fingerprint(0, 3) },
          { upper: { timestamp: Infinity, prefix: new Uint8Array(0) }, mode: 'idlist', ids: [id(9), id(10)] }
        ]
      }
    },
    { description: 'RECONCILE with no ranges: the reconciliation is over', message: { type: 'reconcile', ranges: [] } },
    { description: 'WANT two ids', message: { type: 'want', ids: [id(1), id(2)] } },
    { description: 'RECORD carrying the 31 bytes of {"example":"collective charter"}', message: { type: 'record', bytes: utf8('{"example":"collective charter"}') } },
    { description: 'DONE', message: { type: 'done' } },
    { description: 'ERROR unknown scope (code 1)', message: { type: 'error', code: 1, message: 'scope is not served here' } }
  ]
  return {
    description: 'One frame of each type: varint(body length) ‖ type byte ‖ payload',
    frames: messages.map(({ description, message }) => ({ description, message: messageJson(message), frameHex: hex(encodeFrame(message)) }))
  }
}

/** Every vector file name → its JSON text */
export function generateSyncVectors (): Map<string, string> {
  const defaults = { buckets: DEFAULT_BUCKETS, idListThreshold: DEFAULT_IDLIST_THRESHOLD }
  const out = new Map<string, string>()
  const write = (file: string, value: object): void => { out.set(file, JSON.stringify(value, null, 2) + '\n') }
  write('basics.json', basicsVector())
  write('frames.json', framesVector())
  const exchanges: Exchange[] = [
    {
      file: 'late-joiner.json',
      description: 'a holds nothing, b holds items 0 … 39: a opens with an empty IDLIST, b sends all 40 records and ends',
      a: items([]),
      b: items(range(0, 40)),
      options: defaults
    },
    {
      file: 'full-to-empty.json',
      description: 'a holds items 0 … 39, b nothing: b answers the fingerprints with one empty IDLIST, a sends everything',
      a: items(range(0, 40)),
      b: items([]),
      options: defaults
    },
    {
      file: 'identical.json',
      description: 'a and b both hold items 0 … 299: every fingerprint matches, b ends at once',
      a: items(range(0, 300)),
      b: items(range(0, 300)),
      options: defaults
    },
    {
      file: 'small-diff.json',
      description: 'items 0 … 299 on both sides except: 17, 150, 151 only on a; 42, 298, 300 only on b',
      a: items(range(0, 300).filter(n => ![42, 298].includes(n))),
      b: items([...range(0, 300).filter(n => ![17, 150, 151].includes(n)), 300]),
      options: defaults
    },
    {
      file: 'deep-diff.json',
      description: 'buckets 4, id-list threshold 4 (several levels of splitting): items 0 … 199 on both sides except 5, 99 only on a and 100, 198 only on b',
      a: items(range(0, 200).filter(n => ![100, 198].includes(n))),
      b: items(range(0, 200).filter(n => ![5, 99].includes(n))),
      options: { buckets: 4, idListThreshold: 4 }
    },
    {
      file: 'same-timestamp.json',
      description: 'every item at T0, so bounds carry id prefixes; buckets 4, threshold 2: items 0 … 63 on both sides except 3 only on a and 60 only on b',
      a: items(range(0, 64).filter(n => n !== 60), sameTimeItem),
      b: items(range(0, 64).filter(n => n !== 3), sameTimeItem),
      options: { buckets: 4, idListThreshold: 2 }
    }
  ]
  for (const x of exchanges) write(x.file, exchangeVector(x))
  return out
}

if (import.meta.main) {
  const dir = dirname(fileURLToPath(import.meta.url))
  for (const [file, text] of generateSyncVectors()) writeFileSync(join(dir, file), text)
  console.log(`wrote ${[...generateSyncVectors().keys()].join(', ')} in ${dir}`)
}
