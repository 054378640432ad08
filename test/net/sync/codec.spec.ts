/**
 * The codec: every message round-trips; malformed, truncated, oversized and random input is refused with a
 * SyncProtocolError or SyncLimitError (never another error, never a hang), and the frame parser refuses an
 * oversized frame from its header, before the body arrives.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { decodeMessage, encodeFrame, encodeMessage, FrameParser, MessageType, recordFrameHeader } from '../../../src/net/sync/codec.ts'
import { MAX_BOUND } from '../../../src/net/sync/items.ts'
import { encodeVarint, readVarint } from '../../../src/net/sync/varint.ts'
import {
  MAX_CONTROL_FRAME_BYTES, MAX_IDS_PER_IDLIST, MAX_IDS_PER_WANT, MAX_RECORD_FRAME_BYTES, MAX_SCOPE_BYTES
} from '../../../src/net/sync/constants.ts'
import { prng, sha256 } from './helpers.ts'
import type { SyncMessage } from '../../../src/net/sync/codec.ts'

const id = (n: number): Uint8Array => sha256(Uint8Array.of(n))
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs)
const isWireError = (err: any): boolean => err.name === 'SyncProtocolError' || err.name === 'SyncLimitError'
const protocolError = (err: any): boolean => err.name === 'SyncProtocolError' && err.code === 'ERR_SYNC_PROTOCOL'
const limitError = (err: any): boolean => err.name === 'SyncLimitError' && err.code === 'ERR_SYNC_LIMIT'

const samples: SyncMessage[] = [
  { type: 'open', scope: 'bagaaiera-scope', ranges: [{ upper: MAX_BOUND, mode: 'idlist', ids: [] }] },
  {
    type: 'reconcile',
    ranges: [
      { upper: { timestamp: 1_700_000_000_000, prefix: new Uint8Array(0) }, mode: 'skip' },
      { upper: { timestamp: 1_700_000_000_000, prefix: bytes(0x42, 0x01) }, mode: 'fingerprint', fingerprint: id(1).slice(0, 16) },
      { upper: { timestamp: 1_700_000_005_000, prefix: new Uint8Array(0) }, mode: 'idlist', ids: [id(2), id(3)] },
      { upper: MAX_BOUND, mode: 'fingerprint', fingerprint: id(4).slice(0, 16) }
    ]
  },
  { type: 'reconcile', ranges: [] },
  { type: 'want', ids: [id(5), id(6), id(7)] },
  { type: 'record', bytes: new Uint8Array(randomBytes(1100)) },
  { type: 'done' },
  { type: 'error', code: 3, message: 'frame too large — ünïcödé' }
]

/** The body of a whole frame */
function body (frame: Uint8Array): Uint8Array {
  const len = readVarint(frame, 0)!
  return frame.subarray(len.next)
}

describe('varint', () => {
  it('round-trips values up to 2^53 - 1 in minimal form', () => {
    for (const v of [0, 1, 127, 128, 255, 300, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, 1_735_689_600_001, Number.MAX_SAFE_INTEGER]) {
      const enc = encodeVarint(v)
      assert.deepEqual(readVarint(enc, 0), { value: v, next: enc.length })
    }
    assert.deepEqual([...encodeVarint(300)], [0xac, 0x02])
  })

  it('refuses non-minimal, over-long and over-large varints, and waits on truncated ones', () => {
    assert.throws(() => readVarint(bytes(0x80, 0x00), 0), protocolError)
    assert.throws(() => readVarint(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0), protocolError)
    assert.throws(() => readVarint(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 0), protocolError)
    assert.equal(readVarint(bytes(0x80, 0x80), 0), undefined)
    assert.throws(() => encodeVarint(-1), RangeError)
    assert.throws(() => encodeVarint(2 ** 53), RangeError)
  })
})

describe('messages', () => {
  it('every message type round-trips', () => {
    for (const msg of samples) {
      const frame = encodeFrame(msg)
      assert.equal(frame[readVarint(frame, 0)!.next], MessageType[msg.type.toUpperCase() as keyof typeof MessageType])
      assert.deepEqual(decodeMessage(body(frame)), msg)
    }
  })

  it('a RECORD frame is its header, then the record as it is (the writer queues both without a copy)', () => {
    // lengths around the varint's byte boundaries (the length counts the type byte too)
    for (const n of [1, 126, 127, 128, 16_382, 16_383, 16_384, 65_536]) {
      const record = new Uint8Array(n).map((_, i) => (i * 7) & 0xff)
      assert.deepEqual(Buffer.concat([recordFrameHeader(n), record]), Buffer.from(encodeFrame({ type: 'record', bytes: record })), `${n} bytes`)
    }
  })

  it('trailing SKIP ranges are not written', () => {
    const withSkip = encodeMessage({ type: 'reconcile', ranges: [{ upper: { timestamp: 5, prefix: new Uint8Array(0) }, mode: 'skip' }] })
    assert.deepEqual([...withSkip], [MessageType.RECONCILE])
  })

  it('every truncation of a message is refused', () => {
    for (const msg of samples) {
      const full = encodeMessage(msg)
      for (let n = 0; n < full.length; n++) {
        const cut = full.subarray(0, n)
        let decoded: SyncMessage | undefined
        try {
          decoded = decodeMessage(cut)
        } catch (err) {
          assert.ok(isWireError(err), `${msg.type} cut at ${n}: ${(err as Error).name}`)
          continue
        }
        // a prefix that is itself a valid message must be a different one (ranges end at a range boundary)
        assert.notDeepEqual(decoded, msg)
      }
    }
  })

  it('refuses malformed bodies', () => {
    const fp = new Uint8Array(16)
    const cases: Array<[string, number[], (err: any) => boolean]> = [
      ['empty', [], protocolError],
      ['unknown type', [0x7f], protocolError],
      ['unknown range mode', [MessageType.RECONCILE, 0x00, 0x00, 0x09], protocolError],
      ['bounds that do not increase', [MessageType.RECONCILE, 0x05, 0x00, 0x01, ...fp, 0x01, 0x00, 0x01, ...fp], protocolError],
      ['an empty first range', [MessageType.RECONCILE, 0x01, 0x00, 0x01, ...fp], protocolError],
      ['a range after infinity', [MessageType.RECONCILE, 0x00, 0x00, 0x01, ...fp, 0x00, 0x00, 0x01, ...fp], protocolError],
      ['a prefix on the infinite bound', [MessageType.RECONCILE, 0x00, 0x01, 0x05, 0x01, ...fp], protocolError],
      ['a prefix longer than 32 bytes', [MessageType.RECONCILE, 0x05, 33, ...new Array(33).fill(1), 0x01, ...fp], protocolError],
      ['a prefix ending in zero', [MessageType.RECONCILE, 0x05, 0x02, 0x07, 0x00, 0x01, ...fp], protocolError],
      ['two SKIPs in a row', [MessageType.RECONCILE, 0x05, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, ...fp], protocolError],
      ['a trailing SKIP', [MessageType.RECONCILE, 0x05, 0x00, 0x00], protocolError],
      ['an id list longer than the limit', [MessageType.RECONCILE, 0x00, 0x00, 0x02, ...encodeVarint(MAX_IDS_PER_IDLIST + 1)], limitError],
      ['an id list longer than the frame', [MessageType.RECONCILE, 0x00, 0x00, 0x02, 0x05, ...id(1)], protocolError],
      ['an empty scope', [MessageType.OPEN, 0x00, 0x00, 0x00, 0x02, 0x00], limitError],
      ['a scope over the limit', [MessageType.OPEN, ...encodeVarint(MAX_SCOPE_BYTES + 1)], limitError],
      ['a scope that is not UTF-8', [MessageType.OPEN, 0x02, 0xc3, 0x28, 0x00, 0x00, 0x02, 0x00], protocolError],
      ['WANT of nothing', [MessageType.WANT, 0x00], protocolError],
      ['WANT over the limit', [MessageType.WANT, ...encodeVarint(MAX_IDS_PER_WANT + 1)], limitError],
      ['WANT whose count does not match', [MessageType.WANT, 0x02, ...id(1)], protocolError],
      ['an empty RECORD', [MessageType.RECORD], protocolError],
      ['DONE with a payload', [MessageType.DONE, 0x00], limitError],
      ['ERROR with bad UTF-8', [MessageType.ERROR, 0x01, 0xff], protocolError]
    ]
    for (const [what, body, check] of cases) {
      assert.throws(() => decodeMessage(Uint8Array.from(body)), check, what)
    }
  })

  it('refuses bodies over their type\'s cap', () => {
    assert.throws(() => decodeMessage(new Uint8Array(MAX_CONTROL_FRAME_BYTES + 1).fill(MessageType.RECONCILE, 0, 1)), limitError)
    assert.throws(() => decodeMessage(new Uint8Array(MAX_RECORD_FRAME_BYTES + 2).fill(MessageType.RECORD, 0, 1)), limitError)
  })

  it('random garbage only ever raises wire errors', () => {
    const rand = prng(42)
    for (let i = 0; i < 5_000; i++) {
      const len = Math.floor(rand() * 80)
      const garbage = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256))
      // bias towards valid type bytes, so the decoders behind them get exercised
      if (len > 0 && rand() < 0.8) garbage[0] = 1 + Math.floor(rand() * 6)
      try {
        decodeMessage(garbage)
      } catch (err) {
        assert.ok(isWireError(err), `garbage ${Buffer.from(garbage).toString('hex')}: ${(err as Error).stack}`)
      }
    }
  })

  it('error messages are cut to 1,024 bytes at a character boundary', () => {
    const msg = decodeMessage(encodeMessage({ type: 'error', code: 7, message: 'é'.repeat(600) })) as { message: string }
    assert.equal(msg.message, 'é'.repeat(512))
  })
})

describe('frame parser', () => {
  it('reassembles frames delivered one byte at a time, or all at once', () => {
    const stream = Buffer.concat(samples.map(encodeFrame))
    for (const step of [1, 7, stream.length]) {
      const parser = new FrameParser()
      const out: SyncMessage[] = []
      for (let i = 0; i < stream.length; i += step) {
        parser.push(stream.subarray(i, i + step))
        for (let b = parser.next(); b != null; b = parser.next()) out.push(decodeMessage(b))
      }
      parser.finish()
      assert.deepEqual(out, samples)
      assert.equal(parser.buffered, 0)
    }
  })

  it('refuses an oversized frame from its header, before the body arrives', () => {
    const parser = new FrameParser()
    parser.push(Uint8Array.from([...encodeVarint(MAX_CONTROL_FRAME_BYTES + 1), MessageType.RECONCILE]))
    assert.throws(() => parser.next(), limitError)
    const records = new FrameParser()
    records.push(Uint8Array.from([...encodeVarint(MAX_RECORD_FRAME_BYTES + 2), MessageType.RECORD]))
    assert.throws(() => records.next(), limitError)
    const done = new FrameParser()
    done.push(Uint8Array.from([0x02, MessageType.DONE]))
    assert.throws(() => done.next(), limitError)
  })

  it('refuses an empty frame, an unknown type and a bad length varint', () => {
    for (const input of [[0x00], [0x03, 0x99], [0x80, 0x00]]) {
      const parser = new FrameParser()
      parser.push(Uint8Array.from(input))
      assert.throws(() => parser.next(), protocolError)
    }
  })

  it('an end of stream inside a frame is an error, between frames it is not', () => {
    const frame = encodeFrame({ type: 'want', ids: [id(1)] })
    const parser = new FrameParser()
    parser.push(frame.subarray(0, frame.length - 1))
    assert.equal(parser.next(), undefined)
    assert.throws(() => parser.finish(), protocolError)
    parser.push(frame.subarray(frame.length - 1))
    assert.ok(parser.next() != null)
    parser.finish()
  })
})
