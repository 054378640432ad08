/**
 * The sync service between two real libp2p nodes on 127.0.0.1 (TCP, Noise, Yamux), each over an in-memory
 * SyncSource: catch-up both ways, small differences both ways, refusals, hostile input on a raw stream, limits,
 * cancellation and stop. Every wait has a deadline.
 */
import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FramedStream } from '../../../src/net/sync/framing.ts'
import { encodeFrame } from '../../../src/net/sync/codec.ts'
import { encodeVarint } from '../../../src/net/sync/varint.ts'
import { INGEST_GROUP, MAX_CONTROL_FRAME_BYTES, SYNC_PROTOCOL } from '../../../src/net/sync/constants.ts'
import { WireErrorCode } from '../../../src/net/sync/errors.ts'
import { Reconciler } from '../../../src/net/sync/reconcile.ts'
import { createSyncItems } from '../../../src/net/sync/items.ts'
import { EXPLOSIVE, MemorySource, POISON, createSyncNode, makeRecord, randomRecords, sha256, timestampOf, withDeadline } from './helpers.ts'
import type { IngestContext, IngestResult, SyncInit, SyncProtocol, SyncStats } from '../../../src/net/sync/index.ts'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ sync: SyncProtocol }>
const DEADLINE = 15_000
const running: Node[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map(async n => { await n.stop() }))
})

/** Two connected nodes over the given sources */
async function pair (a: MemorySource, b: MemorySource, initA: SyncInit = {}, initB: SyncInit = {}): Promise<[Node, Node]> {
  const na = await createSyncNode(a, initA)
  const nb = await createSyncNode(b, initB)
  running.push(na, nb)
  await na.dial(nb.getMultiaddrs())
  return [na, nb]
}

/** An observer that resolves with the next finished session */
function observer (): { init: SyncInit, next: () => Promise<{ stats: SyncStats, error?: Error }> } {
  const seen: Array<{ stats: SyncStats, error?: Error }> = []
  let wake: (() => void) | undefined
  return {
    init: { onSession: (stats, error) => { seen.push({ stats, error }); wake?.() } },
    next: async () => {
      while (seen.length === 0) await new Promise<void>(resolve => { wake = resolve })
      return seen.shift()!
    }
  }
}

function fill (source: MemorySource, records: Uint8Array[]): void {
  for (const r of records) source.add(r)
}

describe('sync over libp2p', () => {
  it('a late joiner catches up every record in one round trip', { timeout: DEADLINE }, async () => {
    const joiner = new MemorySource()
    const holder = new MemorySource()
    fill(holder, randomRecords(2_000, { size: 600 }))
    const [na, nb] = await pair(joiner, holder)
    const stats = await withDeadline(DEADLINE, 'catch-up', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.deepEqual(joiner.keys(), holder.keys())
    assert.equal(stats.role, 'initiator')
    assert.equal(stats.rounds, 1)
    assert.equal(stats.recordsReceived, 2_000)
    assert.equal(stats.recordsAdded, 2_000)
    assert.equal(stats.recordsSent, 0)
    const recordBytes = 2_000 * 600
    assert.ok(stats.bytesReceived >= recordBytes && stats.bytesReceived < recordBytes * 1.02, `${stats.bytesReceived} bytes received`)
    assert.ok(stats.bytesSent < 200, `${stats.bytesSent} bytes sent by the joiner`)
    assert.ok(joiner.ingested.every(i => i.context.scope === 'scope-1' && i.context.peer.equals(nb.peerId)))
  })

  it('serving() gives the end of a session the peer runs with this node, for that scope only, and nothing once it ended', { timeout: DEADLINE }, async () => {
    const joiner = new MemorySource()
    const holder = new MemorySource()
    fill(holder, randomRecords(2_000, { size: 600 }))
    const [na, nb] = await pair(joiner, holder)
    const joinerId = na.peerId.toString()
    assert.equal(nb.services.sync.serving(joinerId, 'scope-1'), undefined, 'nothing served before the session')
    const session = withDeadline(DEADLINE, 'catch-up', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    let served: Promise<SyncStats | undefined> | undefined
    while (served == null) {
      served = nb.services.sync.serving(joinerId, 'scope-1')
      if (served == null) await new Promise(resolve => setTimeout(resolve, 1))
    }
    assert.equal(nb.services.sync.serving(joinerId, 'scope-2'), undefined, 'another scope')
    assert.equal(nb.services.sync.serving(nb.peerId.toString(), 'scope-1'), undefined, 'another peer')
    assert.equal(na.services.sync.serving(nb.peerId.toString(), 'scope-1'), undefined, 'the initiator serves nothing')
    const [theirs, ours] = await Promise.all([served, session])
    assert.equal(theirs?.role, 'responder')
    assert.equal(theirs?.recordsSent, 2_000)
    assert.equal(ours.recordsReceived, 2_000)
    assert.equal(nb.services.sync.serving(joinerId, 'scope-1'), undefined, 'nothing once it ended')
  })

  it('an initiator holding everything pushes it all to an empty responder', { timeout: DEADLINE }, async () => {
    const full = new MemorySource()
    const empty = new MemorySource()
    fill(full, randomRecords(1_500))
    const [na, nb] = await pair(full, empty)
    const stats = await withDeadline(DEADLINE, 'push', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.deepEqual(empty.keys(), full.keys())
    assert.equal(stats.recordsSent, 1_500)
    assert.equal(stats.recordsReceived, 0)
  })

  it('an honest 10 MiB push to a slow receiver completes: the reader resumes after pausing without waiting for its idle timeout', { timeout: DEADLINE }, async () => {
    const full = new MemorySource()
    // a receiver slower than the wire: unread frames pile up past the read high-water mark, the stream is paused,
    // and resuming hands the buffered bytes over synchronously (framing.ts once waited 30 s for an event here)
    class SlowSource extends MemorySource {
      override async ingest (bytes: Uint8Array, context: IngestContext): Promise<IngestResult> {
        await new Promise(resolve => setTimeout(resolve, 1))
        return await super.ingest(bytes, context)
      }
    }
    const slow = new SlowSource()
    fill(full, randomRecords(9_000, { size: 1200 }))
    const [na, nb] = await pair(full, slow, { idleTimeout: 10_000 }, { idleTimeout: 10_000, ingestConcurrency: 4 })
    const stats = await withDeadline(DEADLINE, 'push', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.equal(stats.recordsSent, 9_000)
    assert.deepEqual(slow.keys(), full.keys())
  })

  it('records in flight to ingest are bounded in bytes as well as in count; a record over the byte bound still goes, alone', { timeout: DEADLINE }, async () => {
    const full = new MemorySource()
    class CountingSource extends MemorySource {
      inFlight = 0
      inFlightBytes = 0
      maxInFlight = 0
      maxInFlightBytes = 0
      override async ingest (bytes: Uint8Array, context: IngestContext): Promise<IngestResult> {
        this.inFlight++
        this.inFlightBytes += bytes.length
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
        this.maxInFlightBytes = Math.max(this.maxInFlightBytes, this.inFlightBytes)
        try {
          await new Promise(resolve => setTimeout(resolve, 1))
          return await super.ingest(bytes, context)
        } finally {
          this.inFlight--
          this.inFlightBytes -= bytes.length
        }
      }
    }
    const counting = new CountingSource()
    fill(full, randomRecords(300, { size: 1200 }))
    fill(full, randomRecords(3, { size: 5000 }))
    const [na, nb] = await pair(full, counting, {}, { ingestConcurrency: 1000, ingestBytes: 3000 })
    const stats = await withDeadline(DEADLINE, 'push', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.equal(stats.recordsSent, 303)
    assert.deepEqual(counting.keys(), full.keys())
    assert.ok(counting.maxInFlight >= 2, `${counting.maxInFlight} in flight at most: the bound lets two 1,200-byte records through`)
    assert.ok(counting.maxInFlightBytes <= 5000, `${counting.maxInFlightBytes} bytes in flight at most (the bound, or one record over it alone)`)
    assert.ok(counting.maxInFlight <= 2, `${counting.maxInFlight} in flight at most`)
  })

  it('a small difference both ways: each side receives exactly what it lacks', { timeout: DEADLINE }, async () => {
    const a = new MemorySource()
    const b = new MemorySource()
    const common = randomRecords(5_000)
    fill(a, common)
    fill(b, common)
    fill(a, randomRecords(7))
    fill(b, randomRecords(11))
    const watch = observer()
    const [na, nb] = await pair(a, b, {}, watch.init)
    const stats = await withDeadline(DEADLINE, 'diff', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.deepEqual(a.keys(), b.keys())
    assert.equal(a.records.size, 5_018)
    assert.equal(stats.recordsSent, 7)
    assert.equal(stats.recordsReceived, 11)
    assert.ok(stats.rounds <= 4, `${stats.rounds} rounds`)
    // far less than sending one id per record
    assert.ok(stats.bytesSent + stats.bytesReceived < 5_000 * 32, `${stats.bytesSent + stats.bytesReceived} bytes`)
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.equal(served.error, undefined)
    assert.equal(served.stats.role, 'responder')
    assert.equal(served.stats.recordsReceived, 7)
    assert.equal(served.stats.recordsSent, 11)
    assert.equal(served.stats.rounds, stats.rounds)
    assert.equal(served.stats.peer, na.peerId.toString())
  })

  it('identical sets: one round, no records', { timeout: DEADLINE }, async () => {
    const a = new MemorySource()
    const b = new MemorySource()
    const common = randomRecords(3_000)
    fill(a, common)
    fill(b, common)
    const [na, nb] = await pair(a, b)
    const stats = await withDeadline(DEADLINE, 'identical', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.equal(stats.rounds, 1)
    assert.equal(stats.recordsSent + stats.recordsReceived, 0)
  })

  it('refuses a scope the responder does not serve, with a typed error', { timeout: DEADLINE }, async () => {
    const a = new MemorySource(['scope-1', 'scope-2'])
    const b = new MemorySource(['scope-1'])
    const watch = observer()
    const [na, nb] = await pair(a, b, {}, watch.init)
    await assert.rejects(withDeadline(DEADLINE, 'refusal', signal => na.services.sync.syncWith(nb.peerId, 'scope-2', { signal })),
      (err: any) => err.name === 'UnknownScopeError' && err.code === 'ERR_SYNC_UNKNOWN_SCOPE' && err.details.remote === true)
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.equal(served.error?.name, 'UnknownScopeError')
    // and a scope this node does not serve is refused before dialling
    await assert.rejects(na.services.sync.syncWith(nb.peerId, 'scope-3'), (err: any) => err.name === 'UnknownScopeError' && err.details.remote === false)
    // the service still works
    await withDeadline(DEADLINE, 'after refusal', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
  })

  it('counts records the receiving ingest refuses or throws on, without failing the session', { timeout: DEADLINE }, async () => {
    const a = new MemorySource()
    const b = new MemorySource()
    fill(a, randomRecords(50))
    for (let i = 0; i < 5; i++) a.add(makeRecord(1_700_000_000_000 + i, 300, i < 3 ? POISON : EXPLOSIVE))
    const watch = observer()
    const [na, nb] = await pair(a, b, {}, watch.init)
    const stats = await withDeadline(DEADLINE, 'poison', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.equal(stats.recordsSent, 55)
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.equal(served.error, undefined)
    assert.equal(served.stats.recordsReceived, 55)
    assert.equal(served.stats.recordsAdded, 50)
    assert.equal(served.stats.recordsRejected, 5)
    assert.equal(b.records.size, 50)
  })

  it('hands records to ingestMany in groups, bounded as single ingests are; a group that throws counts as rejected', { timeout: DEADLINE }, async () => {
    class GroupingSource extends MemorySource {
      groups: number[] = []
      inFlight = 0
      maxInFlight = 0
      async ingestMany (records: Array<{ bytes: Uint8Array, id: Uint8Array }>, context: Omit<IngestContext, 'id'>): Promise<IngestResult[]> {
        this.groups.push(records.length)
        this.inFlight += records.length
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
        try {
          await new Promise(resolve => setTimeout(resolve, 2))
          for (const r of records) assert.deepEqual(r.id, sha256(r.bytes), 'each record comes with its item id')
          if (records.some(r => r.bytes[8] === EXPLOSIVE)) throw new Error('the group failed on purpose')
          const out: IngestResult[] = []
          for (const r of records) out.push(await this.ingest(r.bytes, { ...context, id: r.id }))
          return out
        } finally {
          this.inFlight -= records.length
        }
      }
    }
    const a = new MemorySource()
    const b = new GroupingSource()
    fill(a, randomRecords(3_000, { size: 300 }))
    for (let i = 0; i < 3; i++) a.add(makeRecord(1_600_000_000_000 + i, 300, POISON))
    const watch = observer()
    const [na, nb] = await pair(a, b, {}, { ...watch.init, ingestConcurrency: 700 })
    await withDeadline(DEADLINE, 'push in groups', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.equal(served.error, undefined)
    assert.equal(served.stats.recordsAdded, 3_000)
    assert.equal(served.stats.recordsRejected, 3)
    assert.equal(b.records.size, 3_000)
    assert.equal(b.groups.reduce((x, y) => x + y, 0), 3_003, 'every record handed over once')
    assert.ok(Math.max(...b.groups) > 1, `groups of ${Math.max(...b.groups)} at most: records that arrive together go together`)
    assert.ok(Math.max(...b.groups) <= INGEST_GROUP, `no group over ${INGEST_GROUP}`)
    assert.ok(b.maxInFlight <= 700, `${b.maxInFlight} records in flight at most (the bound is 700)`)

    // a group whose ingest throws: its records count as rejected, the session goes on
    const c = new MemorySource()
    const d = new GroupingSource()
    fill(c, randomRecords(40))
    c.add(makeRecord(1_700_000_000_000, 300, EXPLOSIVE))
    const watch2 = observer()
    const [nc, nd] = await pair(c, d, {}, watch2.init)
    await withDeadline(DEADLINE, 'explosive group', signal => nc.services.sync.syncWith(nd.peerId, 'scope-1', { signal }))
    const second = await withDeadline(DEADLINE, 'responder stats', async () => await watch2.next())
    assert.equal(second.error, undefined)
    assert.equal(second.stats.recordsAdded + second.stats.recordsRejected, 41)
    assert.ok(second.stats.recordsRejected >= 1)
    assert.equal(d.records.size, second.stats.recordsAdded)
  })

  it('ends the session when the peer sends more refused records than maxRejected', { timeout: DEADLINE }, async () => {
    const a = new MemorySource()
    const b = new MemorySource()
    for (let i = 0; i < 40; i++) a.add(makeRecord(1_700_000_000_000 + i, 300, POISON))
    const [na, nb] = await pair(a, b, {}, { maxRejected: 10, ingestConcurrency: 1 })
    await assert.rejects(withDeadline(DEADLINE, 'too many rejected', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal })),
      (err: any) => err.name === 'TooManyRejectedError' && err.details.remote === true)
  })

  it('a responder whose store fails ends the session with an internal error frame that does not leak the cause', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    fill(holder, randomRecords(300))
    holder.failGetRecordsAfter = 100
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), holder, {}, watch.init)
    await assert.rejects(withDeadline(DEADLINE, 'store failure', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal })),
      (err: any) => err.name === 'SyncRemoteError' && err.details.wireCode === WireErrorCode.INTERNAL && !/store failed/.test(err.message))
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.match(served.error?.message ?? '', /store failed/)
  })

  it('ends a session whose peer keeps the reconciliation going past maxRounds', { timeout: DEADLINE }, async () => {
    const a = new MemorySource()
    const b = new MemorySource()
    const common = randomRecords(1_000)
    fill(a, common)
    fill(b, common)
    fill(a, randomRecords(3))
    const [na, nb] = await pair(a, b, {}, { maxRounds: 0 })
    await assert.rejects(withDeadline(DEADLINE, 'rounds', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal })),
      (err: any) => err.name === 'SyncRemoteError' && err.details.wireCode === WireErrorCode.LIMIT)
  })

  it('answers busy beyond maxSessions', { timeout: DEADLINE }, async () => {
    const [na, nb] = await pair(new MemorySource(), new MemorySource(), {}, { maxSessions: 0 })
    await assert.rejects(withDeadline(DEADLINE, 'busy', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal })),
      (err: any) => err.name === 'SyncBusyError' && err.code === 'ERR_SYNC_BUSY')
  })

  it('an abort signal cancels a session in flight; the responder survives it', { timeout: DEADLINE }, async () => {
    const joiner = new MemorySource()
    joiner.ingestDelayMs = 50
    const holder = new MemorySource()
    fill(holder, randomRecords(500))
    const watch = observer()
    const [na, nb] = await pair(joiner, holder, { ingestConcurrency: 1 }, watch.init)
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 200)
    await assert.rejects(withDeadline(DEADLINE, 'abort', async () => await na.services.sync.syncWith(nb.peerId, 'scope-1', { signal: controller.signal })),
      (err: any) => err.name === 'SyncAbortedError' && err.code === 'ERR_SYNC_ABORTED')
    assert.ok(joiner.ingested.length < 500)
    // the responder had sent everything and been told DONE before the cancel: its side ended either way
    const served = await withDeadline(DEADLINE, 'responder stats', async () => await watch.next())
    assert.equal(served.stats.role, 'responder')
    joiner.ingestDelayMs = 0
    await withDeadline(DEADLINE, 'after abort', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.deepEqual(joiner.keys(), holder.keys())
  })

  it('stopping the service cancels its sessions in flight', { timeout: DEADLINE }, async () => {
    const joiner = new MemorySource()
    joiner.ingestDelayMs = 50
    const holder = new MemorySource()
    fill(holder, randomRecords(500))
    const [na, nb] = await pair(joiner, holder, { ingestConcurrency: 1 })
    const session = na.services.sync.syncWith(nb.peerId, 'scope-1')
    setTimeout(() => { void (na.services.sync as unknown as { stop: () => Promise<void> }).stop() }, 200)
    await assert.rejects(withDeadline(DEADLINE, 'stop', async () => await session),
      (err: any) => err.name === 'SyncAbortedError' && /stopping/.test(err.message))
  })

  it('a session past its deadline fails with a timeout', { timeout: DEADLINE }, async () => {
    const joiner = new MemorySource()
    joiner.ingestDelayMs = 50
    const holder = new MemorySource()
    fill(holder, randomRecords(500))
    const [na, nb] = await pair(joiner, holder, { ingestConcurrency: 1, timeout: 300 })
    await assert.rejects(withDeadline(DEADLINE, 'deadline', async () => await na.services.sync.syncWith(nb.peerId, 'scope-1')),
      (err: any) => err.name === 'SyncTimeoutError' && err.code === 'ERR_SYNC_TIMEOUT')
  })

  it('a slow reader keeps the stream paused: the peer never overruns its read buffer, every frame arrives', { timeout: 60_000 }, async () => {
    // before the fix, a reader pausing again inside libp2p's resume() left yamux granting window: the read buffer
    // grew until libp2p aborted the stream (StreamBufferError), which ended a late joiner's catch-up sessions
    const [na, nb] = await pair(new MemorySource(), new MemorySource())
    const PROTOCOL = '/atelier-test/flood/1.0.0'
    const FRAMES = 24_000
    const body = new Uint8Array(1_500).fill(7)
    await nb.handle(PROTOCOL, async (stream) => {
      const io = new FramedStream(stream, { idleTimeout: 20_000 })
      const signal = AbortSignal.timeout(50_000)
      for (let i = 0; i < FRAMES; i++) await io.write({ type: 'record', bytes: body }, signal)
      await io.flush(signal)
      await io.close(signal)
    })
    const stream = await na.dialProtocol(nb.peerId, PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 20_000, highWater: 64 * 1024 })
    const signal = AbortSignal.timeout(50_000)
    let got = 0
    let mostBuffered = 0
    for (;;) {
      const msg = await io.read(signal)
      if (msg == null) break
      assert.equal(msg.type, 'record')
      got++
      mostBuffered = Math.max(mostBuffered, stream.readBufferLength)
      // a reader busy elsewhere now and then (an ingest in-flight bound): the peer keeps sending meanwhile
      if (got % 1_500 === 0) await new Promise(resolve => setTimeout(resolve, 150))
    }
    assert.equal(got, FRAMES, 'every frame read, the stream never aborted')
    assert.ok(mostBuffered <= stream.maxReadBufferLength, `read buffer peaked at ${mostBuffered} bytes`)
  })

  it('stop unregisters the protocol and refuses new sessions', { timeout: DEADLINE }, async () => {
    const [na, nb] = await pair(new MemorySource(), new MemorySource())
    await (nb.services.sync as unknown as { stop: () => Promise<void> }).stop()
    await assert.rejects(nb.services.sync.syncWith(na.peerId, 'scope-1'), (err: any) => err.name === 'NotReadyError')
    await assert.rejects(withDeadline(DEADLINE, 'unregistered', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal })),
      (err: any) => err.name === 'UnsupportedProtocolError')
  })
})

describe('sync over libp2p: hostile input on a raw stream', () => {
  /** Open a raw sync stream to `to`, write `bytes`, and read what comes back */
  async function raw (from: Node, to: Node, bytes: Uint8Array[]): Promise<{ code?: number, end: boolean }> {
    const stream = await from.dialProtocol(to.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    for (const b of bytes) stream.send(b)
    const signal = AbortSignal.timeout(5_000)
    try {
      const msg = await io.read(signal)
      if (msg == null) return { end: true }
      assert.equal(msg.type, 'error')
      return { code: (msg as { code: number }).code, end: false }
    } finally {
      io.abort(new Error('test done'))
    }
  }

  it('garbage, an oversized frame, or a frame out of order get an error frame; the node keeps serving', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    fill(holder, randomRecords(20))
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), holder, {}, watch.init)
    const cases: Array<[string, Uint8Array[], number, string]> = [
      ['random bytes', [Uint8Array.from([0x05, 0x7f, 0x13, 0x37, 0x00, 0x01])], WireErrorCode.PROTOCOL, 'SyncProtocolError'],
      ['an oversized frame header', [Uint8Array.from([...encodeVarint(MAX_CONTROL_FRAME_BYTES + 1), 0x02])], WireErrorCode.LIMIT, 'SyncLimitError'],
      ['DONE before OPEN', [encodeFrame({ type: 'done' })], WireErrorCode.PROTOCOL, 'SyncProtocolError'],
      ['OPEN with a malformed range', [Uint8Array.from([0x06, 0x01, 0x01, 0x73, 0x00, 0x00, 0x09])], WireErrorCode.PROTOCOL, 'SyncProtocolError']
    ]
    for (const [what, bytes, code, name] of cases) {
      const reply = await withDeadline(DEADLINE, what, async () => await raw(na, nb, bytes))
      assert.equal(reply.code, code, what)
      const served = await withDeadline(DEADLINE, `${what}: responder`, async () => await watch.next())
      assert.equal(served.error?.name, name, what)
    }
    await withDeadline(DEADLINE, 'after garbage', signal => na.services.sync.syncWith(nb.peerId, 'scope-1', { signal }))
    assert.equal((await watch.next()).error, undefined)
  })

  it('a peer that opens a stream and stays silent is timed out', { timeout: DEADLINE }, async () => {
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), new MemorySource(), {}, { firstFrameTimeout: 300, ...watch.init })
    const reply = await withDeadline(DEADLINE, 'silence', async () => await raw(na, nb, []))
    assert.equal(reply.code, WireErrorCode.TIMEOUT)
    const served = await withDeadline(DEADLINE, 'responder', async () => await watch.next())
    assert.equal(served.error?.name, 'SyncTimeoutError')
  })

  it('an ERROR as the first frame is reported, never answered', { timeout: DEADLINE }, async () => {
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), new MemorySource(), {}, watch.init)
    const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    stream.send(encodeFrame({ type: 'error', code: WireErrorCode.INTERNAL, message: 'hello' }))
    // the stream ends (closed or reset), with no frame sent back
    const answer = await io.read(AbortSignal.timeout(5_000)).catch((err: Error) => err.name)
    assert.ok(answer === null || answer === 'StreamResetError', `no answer, got ${JSON.stringify(answer)}`)
    io.abort(new Error('test done'))
    const served = await withDeadline(DEADLINE, 'responder', async () => await watch.next())
    assert.equal(served.error?.name, 'SyncRemoteError')
  })

  it('streams that never send OPEN hold no session slot: an honest peer syncs at once', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    fill(holder, randomRecords(50))
    const joiner = new MemorySource()
    const [honest, served] = await pair(joiner, holder, {}, { maxSessions: 2 })
    const hostile = await createSyncNode(new MemorySource())
    running.push(hostile)
    await hostile.dial(served.getMultiaddrs())
    // as many silent streams as the connection takes, more than the responder's session slots
    const silent = await Promise.all(Array.from({ length: 4 }, async () => await hostile.dialProtocol(served.peerId, SYNC_PROTOCOL)))
    try {
      const started = performance.now()
      const stats = await withDeadline(DEADLINE, 'honest sync', signal => honest.services.sync.syncWith(served.peerId, 'scope-1', { signal }))
      assert.equal(stats.recordsReceived, 50)
      assert.ok(performance.now() - started < 4_000, 'without waiting for the silent streams to time out')
    } finally {
      for (const s of silent) s.abort(new Error('test done'))
    }
  })

  it('a peer may have two sessions at once; a third gets BUSY', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    const [na, nb] = await pair(new MemorySource(), holder, {}, { maxSessionsPerPeer: 2 })
    const open = encodeFrame({ type: 'open', scope: 'scope-1', ranges: new Reconciler(createSyncItems([]), {}).initiate() })
    // two sessions opened and left hanging after their OPEN, then a third
    const streams = await Promise.all([0, 1].map(async () => {
      const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
      stream.send(open)
      return stream
    }))
    try {
      await new Promise(resolve => setTimeout(resolve, 200))
      const reply = await withDeadline(DEADLINE, 'third', async () => await raw(na, nb, [open]))
      assert.equal(reply.code, WireErrorCode.BUSY)
    } finally {
      for (const s of streams) s.abort(new Error('test done'))
    }
  })

  it('each id asked for is served once per session, however often WANT names it; WANTs count against maxRounds', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    fill(holder, randomRecords(20))
    const [na, nb] = await pair(new MemorySource(), holder, {}, { maxRounds: 60 })
    // a client written from the spec, holding 40 items of its own (more than the id-list threshold, so it opens with
    // a fingerprint), which the responder, holding 20, answers with an IDLIST of its 20
    const mine = createSyncItems(Array.from({ length: 40 }, (_, i) => ({ timestamp: 1 + i, id: new Uint8Array(32).fill(i + 1) })))
    const client = new Reconciler(mine, {})
    const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    const signal = AbortSignal.timeout(10_000)
    try {
      io.send({ type: 'open', scope: 'scope-1', ranges: client.initiate() })
      let reply = await io.read(signal)
      // the responder WANTs our one record first (we never send it), then answers
      while (reply?.type === 'want') reply = await io.read(signal)
      assert.equal(reply?.type, 'reconcile')
      const step = client.reconcile((reply as { ranges: any[] }).ranges)
      assert.equal(step.want.length, 20, 'the responder offered its 20 ids')
      for (let i = 0; i < 50; i++) io.send({ type: 'want', ids: step.want })
      io.send({ type: 'reconcile', ranges: [] })
      let records = 0
      for (;;) {
        const msg = await io.read(signal)
        if (msg == null || msg.type === 'done') break
        if (msg.type === 'record') records++
        if (msg.type === 'error') assert.fail(`error ${(msg as any).code}`)
      }
      assert.equal(records, 20, 'twenty records for fifty WANTs of the same twenty ids')
    } finally {
      io.abort(new Error('test done'))
    }
    // 61 WANTs: over maxRounds
    const stream2 = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io2 = new FramedStream(stream2, { idleTimeout: 5_000 })
    try {
      const again = new Reconciler(mine, {})
      io2.send({ type: 'open', scope: 'scope-1', ranges: again.initiate() })
      let reply = await io2.read(signal)
      while (reply?.type === 'want') reply = await io2.read(signal)
      const step = again.reconcile((reply as { ranges: any[] }).ranges)
      for (let i = 0; i < 61; i++) io2.send({ type: 'want', ids: step.want.slice(0, 1) })
      let code: number | undefined
      for (;;) {
        const msg = await io2.read(signal)
        if (msg == null) break
        if (msg.type === 'error') { code = (msg as any).code; break }
      }
      assert.equal(code, WireErrorCode.LIMIT)
    } finally {
      io2.abort(new Error('test done'))
    }
  })

  it('records the responder never asked for, or sent twice, are refused before ingest and counted as rejected', { timeout: DEADLINE }, async () => {
    // both hold 40 records at 10, 20, … 400 ms; the client has one more, at 395 ms, so only the last of its 16
    // buckets differs: the responder SKIPs the first fifteen and lists its ids in the last (it asks for nothing)
    const shared = Array.from({ length: 40 }, (_, i) => makeRecord(10 * (i + 1), 300))
    const extra = makeRecord(395, 300)
    const holder = new MemorySource()
    fill(holder, shared)
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), holder, {}, watch.init)
    const client = new Reconciler(createSyncItems([...shared, extra].map(r => ({ timestamp: timestampOf(r), id: sha256(r) }))), {})
    const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    const signal = AbortSignal.timeout(10_000)
    const inSkipped = makeRecord(15, 300)
    const inListed = makeRecord(1_000, 300)
    try {
      io.send({ type: 'open', scope: 'scope-1', ranges: client.initiate() })
      let reply = await io.read(signal)
      assert.equal(reply?.type, 'reconcile', 'the responder wants nothing: it lacks no id it was shown')
      const step = client.reconcile((reply as { ranges: any[] }).ranges)
      assert.deepEqual(step.want, [])
      // owed by the spec: the extra record (in the listed range, absent from the list); also valid by the spec, an
      // item in that range the client never showed. Not owed: a record in a SKIPped range, and a second copy
      for (const bytes of [extra, inSkipped, extra, inListed]) io.send({ type: 'record', bytes })
      io.send({ type: 'reconcile', ranges: step.reply })
      io.send({ type: 'done' })
      for (;;) {
        reply = await io.read(signal)
        if (reply == null) break
        if (reply.type === 'error') assert.fail(`error ${(reply as any).code}`)
      }
    } finally {
      io.abort(new Error('test done'))
    }
    const served = await withDeadline(DEADLINE, 'responder', async () => await watch.next())
    assert.equal(served.error, undefined)
    assert.equal(served.stats.recordsReceived, 4)
    assert.equal(served.stats.recordsAdded, 2)
    assert.equal(served.stats.recordsRejected, 2)
    assert.equal(served.stats.recordsUnsolicited, 2)
    assert.deepEqual(holder.ingested.map(i => timestampOf(i.bytes)).sort((a, b) => a - b), [395, 1_000], 'ingest saw only the solicited records, once each')
  })

  it('a peer pushing unsolicited records is ended with TOO_MANY_REJECTED once past maxRejected, and ingest sees none', { timeout: DEADLINE }, async () => {
    const holder = new MemorySource()
    fill(holder, randomRecords(10))
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), holder, {}, { maxRejected: 20, ...watch.init })
    const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    // a client that holds everything the responder holds (so nothing is owed either way), then pushes 50 others
    const client = new Reconciler(await holder.items(), {})
    let code: number | undefined
    try {
      io.send({ type: 'open', scope: 'scope-1', ranges: client.initiate() })
      for (const bytes of randomRecords(50)) io.send({ type: 'record', bytes })
      const signal = AbortSignal.timeout(10_000)
      for (;;) {
        const msg = await io.read(signal).catch(() => null)
        if (msg == null) break
        if (msg.type === 'error') { code = (msg as any).code; break }
      }
    } finally {
      io.abort(new Error('test done'))
    }
    assert.equal(code, WireErrorCode.TOO_MANY_REJECTED)
    const served = await withDeadline(DEADLINE, 'responder', async () => await watch.next())
    assert.equal(served.error?.name, 'TooManyRejectedError')
    assert.equal(holder.ingested.length, 0)
  })

  it('a frame after DONE is a protocol error for the responder', { timeout: DEADLINE }, async () => {
    const watch = observer()
    const [na, nb] = await pair(new MemorySource(), new MemorySource(), {}, watch.init)
    const stream = await na.dialProtocol(nb.peerId, SYNC_PROTOCOL)
    const io = new FramedStream(stream, { idleTimeout: 5_000 })
    const signal = AbortSignal.timeout(10_000)
    try {
      // both sides hold nothing: OPEN, the responder ends the reconciliation, both say DONE
      io.send({ type: 'open', scope: 'scope-1', ranges: new Reconciler(createSyncItems([]), {}).initiate() })
      const seen: string[] = []
      for (;;) {
        const msg = await io.read(signal)
        if (msg == null) break
        seen.push(msg.type)
        if (msg.type === 'reconcile' && (msg as { ranges: unknown[] }).ranges.length === 0) io.send({ type: 'done' })
      }
      assert.ok(seen.includes('done'), `the responder said DONE: ${seen.join(', ')}`)
      // the responder closed its end; a frame now breaks the protocol
      io.send({ type: 'reconcile', ranges: [] })
      const served = await withDeadline(DEADLINE, 'responder', async () => await watch.next())
      assert.equal(served.error?.name, 'SyncProtocolError')
      assert.match(served.error?.message ?? '', /after DONE/)
    } finally {
      io.abort(new Error('test done'))
    }
  })
})
