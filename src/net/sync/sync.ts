/**
 * The sync service: registers the `/atelier/sync/1.0.0` handler while started, answers inbound sessions for the
 * scopes the source serves, and runs outbound sessions on request (`syncWith`). Every session runs under a
 * deadline, an idle timeout on each frame awaited, the caller's signal and the service's own shutdown signal, so
 * `stop()` cancels everything in flight and no peer can hold a stream open.
 */
import { NotReadyError } from '../../errors.ts'
import {
  DEFAULT_BUCKETS, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_ROUNDS, DEFAULT_IDLIST_THRESHOLD, DEFAULT_INGEST_BYTES, DEFAULT_INGEST_CONCURRENCY, DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_MAX_REJECTED, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_PEER, DEFAULT_FIRST_FRAME_TIMEOUT, DEFAULT_MESSAGE_BUDGET,
  DEFAULT_TIMEOUT, MAX_INBOUND_STREAMS,
  MAX_OUTBOUND_STREAMS, PROTOCOL_NAME, PROTOCOL_PREFIX, PROTOCOL_VERSION
} from './constants.ts'
import { SyncAbortedError, SyncBusyError, SyncProtocolError, SyncTimeoutError, UnknownScopeError, WireErrorCode, errorFromWire, wireCodeOf } from './errors.ts'
import { FramedStream } from './framing.ts'
import { Reconciler } from './reconcile.ts'
import { Session } from './session.ts'
import { createSyncItems } from './items.ts'
import type { SessionObserver, SyncComponents, SyncInit, SyncProtocol, SyncStats } from './index.ts'
import type { SyncMessage } from './codec.ts'
import type { ReconcileOptions } from './reconcile.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** How long a responder waits for the initiator's close after the session, to catch frames sent after DONE, ms */
const AFTER_DONE_WAIT_MS = 2_000

/** How long an error frame may take to flush before the stream is torn down anyway, ms */
const ERROR_FLUSH_MS = 1_000

export class Sync implements SyncProtocol, Startable {
  readonly protocol: string
  private readonly components: SyncComponents
  private readonly log: Logger
  private readonly timeout: number
  private readonly idleTimeout: number
  private readonly reconcileOptions: ReconcileOptions
  private readonly ingestConcurrency: number
  private readonly ingestBytes: number
  private readonly maxRounds: number
  private readonly maxRejected: number
  private readonly maxRecordBytes: number
  private readonly maxSessions: number
  private readonly maxSessionsPerPeer: number
  private readonly firstFrameTimeout: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly onSession: SessionObserver | undefined
  private started = false
  private shutdown = new AbortController()
  /** inbound sessions past their OPEN, in all and by peer */
  private inbound = 0
  private readonly inboundByPeer = new Map<string, number>()
  /** sessions in flight, either role, for `active()` */
  private readonly running = new Set<Session>()
  /** inbound sessions past their OPEN, with their peer and scope, settled when each ends: for `serving()` */
  private readonly served = new Map<Session, { peer: string, scope: string, ended: PromiseWithResolvers<SyncStats | undefined> }>()

  constructor (components: SyncComponents, init: SyncInit = {}) {
    this.components = components
    this.log = components.logger?.forComponent('atelier:sync') ?? silentLogger()
    this.protocol = `${init.protocolPrefix ?? PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`
    this.timeout = init.timeout ?? DEFAULT_TIMEOUT
    this.idleTimeout = init.idleTimeout ?? DEFAULT_IDLE_TIMEOUT
    this.reconcileOptions = {
      buckets: init.buckets ?? DEFAULT_BUCKETS,
      idListThreshold: init.idListThreshold ?? DEFAULT_IDLIST_THRESHOLD,
      messageBudget: init.messageBudget ?? DEFAULT_MESSAGE_BUDGET
    }
    this.ingestConcurrency = init.ingestConcurrency ?? DEFAULT_INGEST_CONCURRENCY
    this.ingestBytes = init.ingestBytes ?? DEFAULT_INGEST_BYTES
    this.maxRounds = init.maxRounds ?? DEFAULT_MAX_ROUNDS
    this.maxRejected = init.maxRejected ?? DEFAULT_MAX_REJECTED
    this.maxRecordBytes = init.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
    this.maxSessions = init.maxSessions ?? DEFAULT_MAX_SESSIONS
    this.maxSessionsPerPeer = init.maxSessionsPerPeer ?? DEFAULT_MAX_SESSIONS_PER_PEER
    this.firstFrameTimeout = init.firstFrameTimeout ?? DEFAULT_FIRST_FRAME_TIMEOUT
    this.maxInboundStreams = init.maxInboundStreams ?? MAX_INBOUND_STREAMS
    this.maxOutboundStreams = init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS
    this.onSession = init.onSession
    // fail at construction, not in the middle of a peer's session, when the reconcile options are out of range
    void new Reconciler(createSyncItems([]), this.reconcileOptions)
    this.handleStream = this.handleStream.bind(this)
  }

  readonly [Symbol.toStringTag] = '@atelier/sync'

  /** Register the protocol handler */
  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams,
      runOnLimitedConnection: false
    })
    this.started = true
  }

  /** Unregister the handler and cancel every session in flight */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort(new SyncAbortedError('the sync service is stopping'))
    await this.components.registrar.unhandle(this.protocol)
  }

  active (): SyncStats[] {
    return [...this.running].map(s => ({ ...s.finishStats() }))
  }

  serving (peer: string, scope: string): Promise<SyncStats | undefined> | undefined {
    for (const s of this.served.values()) if (s.peer === peer && s.scope === scope) return s.ended.promise
    return undefined
  }

  /** True between start and stop */
  isStarted (): boolean {
    return this.started
  }

  /** Reconcile `scope` with `peer` and exchange missing records (see SyncProtocol) */
  async syncWith (peer: PeerId, scope: string, options: AbortOptions = {}): Promise<SyncStats> {
    if (!this.started) throw new NotReadyError('the sync service is not started')
    if (!this.components.source.scopes().includes(scope)) {
      throw new UnknownScopeError(`this node does not serve scope ${scope}`, { details: { scope, remote: false } })
    }
    const deadline = AbortSignal.timeout(this.timeout)
    const signals = [this.shutdown.signal, deadline, ...(options.signal != null ? [options.signal] : [])]
    const signal = AbortSignal.any(signals)
    const log = this.log.newScope(`out:${peer.toString().slice(-8)}`)
    let stream: Stream
    try {
      stream = await this.components.connectionManager.openStream(peer, this.protocol, { signal, runOnLimitedConnection: false })
    } catch (err) {
      throw signal.aborted ? this.abortError(signal, deadline, options.signal) : err
    }
    const io = new FramedStream(stream, { idleTimeout: this.idleTimeout })
    const onAbort = (): void => { io.abort(this.abortError(signal, deadline, options.signal)) }
    signal.addEventListener('abort', onAbort, { once: true })
    const session = this.session('initiator', io, peer, signal, log)
    this.running.add(session)
    try {
      await session.initiate(scope)
      await io.close(signal)
      const stats = session.finishStats()
      log('synced %s: %d rounds, %d records sent, %d received, %d ms', scope, stats.rounds, stats.recordsSent, stats.recordsReceived, stats.ms)
      this.observe(stats)
      return stats
    } catch (cause) {
      const err = signal.aborted ? this.abortError(signal, deadline, options.signal) : cause as Error
      await this.fail(io, err, log)
      this.observe(session.finishStats(), err)
      throw err
    } finally {
      this.running.delete(session)
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** The inbound side: one session per stream; never throws, whatever the peer sends */
  private async handleStream (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    const log = this.log.newScope(`in:${peer.toString().slice(-8)}`)
    const deadline = AbortSignal.timeout(this.timeout)
    const signal = AbortSignal.any([this.shutdown.signal, deadline])
    const io = new FramedStream(stream, { idleTimeout: this.idleTimeout })
    const onAbort = (): void => { io.abort(this.abortError(signal, deadline, undefined)) }
    signal.addEventListener('abort', onAbort, { once: true })
    const session = this.session('responder', io, peer, signal, log)
    const peerKey = peer.toString()
    let counted = false
    try {
      const first = await this.readFirst(io, signal)
      if (first == null) {
        await io.close(signal)
        return
      }
      // a peer's ERROR is reported, never answered (protocols/sync.md §3.6)
      if (first.type === 'error') throw errorFromWire(first.code, first.message)
      // refusals wait for the first frame: by then the peer's protocol negotiation has finished, and an answer
      // that raced it would make libp2p fail the peer's openStream with a StreamStateError instead of our error
      if (first.type !== 'open') throw new SyncProtocolError(`a session must start with OPEN, not ${first.type.toUpperCase()}`)
      // sessions count from their OPEN: streams that say nothing cannot take the slots of peers that do
      if (this.inbound >= this.maxSessions) throw new SyncBusyError(`serving ${this.maxSessions} sessions already`)
      if ((this.inboundByPeer.get(peerKey) ?? 0) >= this.maxSessionsPerPeer) {
        throw new SyncBusyError(`serving ${this.maxSessionsPerPeer} sessions of this peer already`)
      }
      this.inbound++
      this.inboundByPeer.set(peerKey, (this.inboundByPeer.get(peerKey) ?? 0) + 1)
      counted = true
      this.running.add(session)
      if (!this.components.source.scopes().includes(first.scope)) {
        throw new UnknownScopeError(`scope ${first.scope} is not served here`, { details: { scope: first.scope } })
      }
      this.served.set(session, { peer: peerKey, scope: first.scope, ended: Promise.withResolvers() })
      await session.respond(first.scope, first)
      await io.close(signal)
      // a frame after DONE is a protocol error (protocols/sync.md §3.5); the initiator's next move is to close its
      // end, so wait for that a moment (not longer: the session's records are already settled)
      const after = await io.read(AbortSignal.any([signal, AbortSignal.timeout(AFTER_DONE_WAIT_MS)])).catch(() => null)
      if (after != null) throw new SyncProtocolError(`${after.type.toUpperCase()} after DONE`)
      const stats = session.finishStats()
      log('served %s: %d records sent, %d received (%d rejected), %d ms', stats.scope, stats.recordsSent, stats.recordsReceived, stats.recordsRejected, stats.ms)
      this.observe(stats)
      this.served.get(session)?.ended.resolve(stats)
    } catch (cause) {
      const err = signal.aborted ? this.abortError(signal, deadline, undefined) : cause as Error
      await this.fail(io, err, log)
      this.observe(session.finishStats(), err)
    } finally {
      this.running.delete(session)
      this.served.get(session)?.ended.resolve(undefined)
      this.served.delete(session)
      if (counted) {
        this.inbound--
        const n = (this.inboundByPeer.get(peerKey) ?? 1) - 1
        if (n <= 0) this.inboundByPeer.delete(peerKey)
        else this.inboundByPeer.set(peerKey, n)
      }
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** An inbound stream's first frame, within `firstFrameTimeout` (shorter than the idle timeout of later frames) */
  private async readFirst (io: FramedStream, signal: AbortSignal): Promise<SyncMessage | null> {
    const first = AbortSignal.timeout(this.firstFrameTimeout)
    try {
      return await io.read(AbortSignal.any([signal, first]))
    } catch (err) {
      if (first.aborted && !signal.aborted) throw new SyncTimeoutError(`no OPEN within ${this.firstFrameTimeout} ms`)
      throw err
    }
  }

  private session (role: 'initiator' | 'responder', io: FramedStream, peer: PeerId, signal: AbortSignal, log: Logger): Session {
    return new Session({
      role,
      io,
      peer,
      source: this.components.source,
      reconcile: this.reconcileOptions,
      ingestConcurrency: this.ingestConcurrency,
      ingestBytes: this.ingestBytes,
      maxRounds: this.maxRounds,
      maxRejected: this.maxRejected,
      maxRecordBytes: this.maxRecordBytes,
      signal,
      log
    })
  }

  /** End a failed session: tell the peer why (unless the peer told us), flush briefly, then tear the stream down */
  private async fail (io: FramedStream, err: Error, log: Logger): Promise<void> {
    log.error('sync failed: %s', err.message)
    const fromPeer = (err as { details?: { remote?: boolean } }).details?.remote === true
    if (!fromPeer && io.stream.writeStatus === 'writable') {
      try {
        const code = wireCodeOf(err)
        // our own failures stay ours: their messages may name files or internals
        io.send({ type: 'error', code, message: code === WireErrorCode.INTERNAL ? 'internal error' : err.message })
        await io.close(AbortSignal.timeout(ERROR_FLUSH_MS))
      } catch {}
    }
    io.abort(err)
  }

  /** The typed error for a fired signal: the caller's cancel, our deadline, or the service stopping */
  private abortError (signal: AbortSignal, deadline: AbortSignal, caller: AbortSignal | undefined): Error {
    if (caller?.aborted === true) return new SyncAbortedError('sync cancelled by the caller', { cause: caller.reason })
    if (deadline.aborted) return new SyncTimeoutError(`sync session ran past its ${this.timeout} ms deadline`)
    if (this.shutdown.signal.aborted) return new SyncAbortedError('the sync service is stopping')
    return signal.reason instanceof Error ? signal.reason : new SyncAbortedError('sync aborted')
  }

  private observe (stats: SyncStats, err?: Error): void {
    try {
      this.onSession?.(stats, err)
    } catch (observerError) {
      this.log.error('session observer threw: %s', (observerError as Error).message)
    }
  }
}

/** A logger that writes nothing, for when no component logger was given */
function silentLogger (): Logger {
  const log = (() => {}) as unknown as Logger
  log.error = () => {}
  log.trace = () => {}
  log.enabled = false
  log.newScope = () => log
  return log
}
