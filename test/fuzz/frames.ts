/**
 * Malformed sync sessions on /atelier/sync/1.0.0, from a raw peer: garbage, frames in the wrong order, truncated
 * frames, length prefixes over a type's cap (up to 2^53 − 1), over-long and non-minimal varints, zero-length
 * frames, valid frames with bad contents; then the stream is half-closed, reset, or left open. The node must answer
 * with an ERROR frame or a close (or, left open, wait within its timeouts), never crash, never store anything.
 */
import fc from 'fast-check'
import { encodeFrame } from '../../src/net/sync/codec.ts'
import type { SyncMessage } from '../../src/net/sync/codec.ts'
import { encodeVarint } from '../../src/net/sync/varint.ts'
import { MAX_CONTROL_FRAME_BYTES, MAX_RECORD_FRAME_BYTES, SYNC_PROTOCOL } from '../../src/net/sync/constants.ts'
import { FramedStream } from '../../src/net/sync/framing.ts'
import { Reconciler } from '../../src/net/sync/reconcile.ts'
import { createSyncItems } from '../../src/net/sync/items.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { daemonPeer, rawPeer } from './records.ts'
import type { FuzzTarget } from './target.ts'

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max })
const id = bytes(32, 32)

function items (n: number, seed: number): ReturnType<typeof createSyncItems> {
  return createSyncItems(Array.from({ length: n }, (_, i) => ({ timestamp: 1_700_000_000_000 + i * 997 + seed, id: new Uint8Array(32).fill((i + seed) % 255 + 1) })))
}

/** Messages the codec accepts, with contents from nowhere */
function message (scope: string): fc.Arbitrary<SyncMessage> {
  const ranges = fc.tuple(fc.integer({ min: 0, max: 80 }), fc.nat({ max: 200 })).map(([n, s]) => new Reconciler(items(n, s), {}).initiate())
  return fc.oneof(
    fc.tuple(fc.oneof(fc.constant(scope), fc.string({ minLength: 1, maxLength: 40 })), ranges).map(([sc, r]): SyncMessage => ({ type: 'open', scope: sc, ranges: r })),
    ranges.map((r): SyncMessage => ({ type: 'reconcile', ranges: r })),
    fc.constant<SyncMessage>({ type: 'reconcile', ranges: [] }),
    fc.array(id, { minLength: 1, maxLength: 6 }).map((ids): SyncMessage => ({ type: 'want', ids })),
    bytes(1, 300).map((b): SyncMessage => ({ type: 'record', bytes: b })),
    fc.constant<SyncMessage>({ type: 'done' }),
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.string({ maxLength: 100 })).map(([code, m]): SyncMessage => ({ type: 'error', code, message: m }))
  )
}

/** One chunk of a hostile session */
function chunk (scope: string): fc.Arbitrary<{ what: string, bytes: Uint8Array }> {
  return fc.oneof(
    { weight: 4, arbitrary: message(scope).map(m => ({ what: m.type, bytes: encodeFrame(m) })) },
    { weight: 2, arbitrary: bytes(1, 64).map(b => ({ what: 'garbage', bytes: b })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 0, 255), fc.oneof(fc.integer({ min: MAX_CONTROL_FRAME_BYTES + 1, max: MAX_RECORD_FRAME_BYTES * 2 }), fc.constant(2 ** 53 - 1))).map(([type, len]) => ({ what: 'oversize', bytes: Uint8Array.from([...encodeVarint(len), type]) })) },
    { weight: 1, arbitrary: fc.constantFrom(Uint8Array.from([0x00]), Uint8Array.from([0x81, 0x00, 0x05]), Uint8Array.from(new Array(9).fill(0xff)), Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).map(b => ({ what: 'bad varint', bytes: b })) },
    { weight: 1, arbitrary: fc.tuple(message(scope), fc.nat()).map(([m, n]) => { const f = encodeFrame(m); return { what: `truncated ${m.type}`, bytes: f.subarray(0, 1 + (n % Math.max(1, f.length - 1))) } }) }
  )
}

export interface HostileSession { chunks: Array<{ what: string, bytes: Uint8Array }>, end: 'close' | 'reset' | 'linger' }

export function hostileSession (scope: string): fc.Arbitrary<HostileSession> {
  return fc.record({ chunks: fc.array(chunk(scope), { minLength: 1, maxLength: 8 }), end: fc.constantFrom<HostileSession['end']>('close', 'close', 'reset', 'linger') })
}

export interface FramesTally { sessions: number, frames: number, outcomes: Record<string, number> }

/** Run `count` hostile sessions, `parallel` at a time, each read for at most `readMs` */
export async function fuzzSyncFrames (t: FuzzTarget, count: number, seed: number, parallel = 4, readMs = 2_000): Promise<FramesTally> {
  const all = fc.sample(hostileSession(t.collective), { seed, numRuns: count })
  const tally: FramesTally = { sessions: 0, frames: 0, outcomes: {} }
  const peer = await rawPeer()
  const target = daemonPeer(t)
  const count1 = (k: string): void => { tally.outcomes[k] = (tally.outcomes[k] ?? 0) + 1 }
  try {
    await peer.dial(multiaddr(t.addrs[0]))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < all.length) {
        const s = all[next++]
        const stream = await peer.dialProtocol(target, SYNC_PROTOCOL).catch(() => undefined)
        if (stream == null) { count1('no stream'); continue }
        const io = new FramedStream(stream, { idleTimeout: readMs })
        tally.sessions++
        try {
          for (const c of s.chunks) { stream.send(c.bytes); tally.frames++ }
          if (s.end === 'reset') { count1('reset by us'); continue }
          if (s.end === 'close') await stream.close({ signal: AbortSignal.timeout(readMs) }).catch(() => {})
          const signal = AbortSignal.timeout(readMs)
          for (;;) {
            const msg = await io.read(signal)
            if (msg == null) { count1('closed'); break }
            if (msg.type === 'error') { count1(`ERROR ${(msg as any).code}`); break }
          }
        } catch (err: any) {
          count1(err.name === 'TimeoutError' || err.name === 'SyncTimeoutError' ? 'no answer yet' : err.name)
        } finally {
          io.abort(new Error('session over'))
        }
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    await peer.stop()
  }
  return tally
}

/** An honest late joiner's session, from the spec: OPEN with an empty IDLIST, take every record, DONE */
export async function honestCatchUp (t: FuzzTarget): Promise<number> {
  const peer = await rawPeer()
  try {
    await peer.dial(multiaddr(t.addrs[0]))
    const stream = await peer.dialProtocol(daemonPeer(t), SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 10_000 })
    const signal = AbortSignal.timeout(20_000)
    let records = 0
    try {
      io.send({ type: 'open', scope: t.collective, ranges: new Reconciler(createSyncItems([]), {}).initiate() })
      for (;;) {
        const msg = await io.read(signal)
        if (msg == null) break
        if (msg.type === 'record') records++
        if (msg.type === 'error') throw new Error(`the node ended an honest session with ERROR ${(msg as any).code}`)
        if (msg.type === 'done') io.send({ type: 'done' })
      }
    } finally {
      io.abort(new Error('session over'))
    }
    return records
  } finally {
    await peer.stop()
  }
}
