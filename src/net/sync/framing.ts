/**
 * Frames over one libp2p 3 stream. libp2p 3 streams are event targets ('message', 'drain', 'close',
 * 'remoteCloseWrite') with `send()` returning false when the muxer wants the writer to wait; this wraps one as
 * "read the next message" and "write a message", and counts the bytes each way (the figures in SyncStats).
 *
 * Memory stays bounded on both sides: the reader pauses the stream (yamux then stops granting window, so the peer
 * stops sending) once a megabyte of unread frames has piled up, and the record writer waits for 'drain'.
 */
import { encodeFrame, recordFrameHeader, decodeMessage, FrameParser } from './codec.ts'
import { PAUSED_STREAM_READ_BUFFER_BYTES, READ_HIGH_WATER_BYTES, WRITE_COALESCE_BYTES, MAX_WRITE_BUFFER_BYTES } from './constants.ts'
import { SyncAbortedError, SyncTimeoutError } from './errors.ts'
import type { SyncMessage } from './codec.ts'
import type { Stream } from '@libp2p/interface'

export interface FramedStreamInit {
  /** Longest wait for the peer's next frame, ms */
  idleTimeout: number
  /** Unread bytes after which the stream is paused. @default READ_HIGH_WATER_BYTES */
  highWater?: number
}

/** What a libp2p stream event carries: a Uint8Array or a Uint8ArrayList (iterable over its parts) */
type Chunk = Uint8Array | (Iterable<Uint8Array> & { byteLength: number })

/** One stream, as a sequence of sync messages */
export class FramedStream {
  readonly stream: Stream
  /** bytes written to the stream: frames with their length prefixes */
  bytesSent = 0
  /** bytes read from the stream */
  bytesReceived = 0
  private readonly parser = new FrameParser()
  private readonly idleTimeout: number
  private readonly highWater: number
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  /** true while the stream's resume() dispatches its buffered bytes to our listener */
  private resuming = false

  constructor (stream: Stream, init: FramedStreamInit) {
    this.stream = stream
    this.idleTimeout = init.idleTimeout
    this.highWater = init.highWater ?? READ_HIGH_WATER_BYTES
    // a paused yamux stream still takes in what its window allowed (up to 16 MiB); without room for that, libp2p
    // would reset the stream the first time we pause it during a fast transfer
    if (stream.maxReadBufferLength < PAUSED_STREAM_READ_BUFFER_BYTES) stream.maxReadBufferLength = PAUSED_STREAM_READ_BUFFER_BYTES
    // libp2p's default is no bound: a peer that never reads would make us buffer every reply we write
    stream.maxWriteBufferLength = MAX_WRITE_BUFFER_BYTES
    stream.addEventListener('message', (evt) => {
      const chunk = evt.data as Chunk
      this.bytesReceived += chunk.byteLength
      // the parser copies what it is given, so a list's parts go in as they are (joining them first copied every
      // muxer frame that spanned two encrypted messages once more)
      if (chunk instanceof Uint8Array) this.parser.push(chunk)
      else for (const part of chunk) this.parser.push(part)
      // not while resume() hands over what piled up meanwhile: libp2p's resume() would then tell the muxer to grant
      // window again after this pause, the stream would stay paused for libp2p but not for yamux, our later pauses
      // would do nothing, and the peer could send until the read buffer overflowed and the stream was aborted
      // (measured: a late joiner's 100,000-record catch-up ended that way 5 times, each a lost session)
      if (!this.resuming && this.parser.buffered > this.highWater) this.pause()
      this.notify()
    })
    stream.addEventListener('remoteCloseWrite', () => {
      this.ended = true
      this.notify()
    })
    stream.addEventListener('close', (evt) => {
      this.ended = true
      if (evt.error != null) this.failure = evt.error
      this.notify()
    })
    // a peer that closed before these listeners were attached sends no event: read the state it left
    if (stream.remoteWriteStatus === 'closed' || stream.readStatus === 'closed' || stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') this.ended = true
  }

  /**
   * The next message, or null when the peer closed its end cleanly between frames. Throws SyncProtocolError /
   * SyncLimitError for a bad frame, SyncTimeoutError after `idleTimeout` ms of silence, the signal's reason when
   * it fires, and the stream's error when it was reset.
   */
  async read (signal: AbortSignal): Promise<SyncMessage | null> {
    for (;;) {
      // frames already buffered are not worth reading once the session is cancelled
      signal.throwIfAborted()
      const body = this.parser.next()
      if (body != null) return decodeMessage(body)
      // a whole frame needs more bytes: let them in. Resuming hands the stream's buffered bytes to the 'message'
      // listener synchronously, before any wait could be woken by them: look at the parser again first
      const received = this.bytesReceived
      this.resume()
      if (this.bytesReceived !== received) continue
      if (this.ended && this.stream.readBufferLength === 0) {
        if (this.failure != null && this.parser.buffered === 0) throw this.failure
        this.parser.finish()
        if (this.failure != null) throw this.failure
        return null
      }
      await this.waitForData(signal)
    }
  }

  /**
   * Write a message now, whatever the muxer's buffer (small control frames). Records coalesced by `write` go
   * first, so the order of frames is the order of calls.
   */
  send (msg: SyncMessage): void {
    this.sendPending()
    const bytes = encodeFrame(msg)
    this.bytesSent += bytes.length
    this.stream.send(bytes)
  }

  /**
   * Queue a message (records) and write the queue once it reaches WRITE_COALESCE_BYTES, then wait until the stream
   * can take more: the peer's pace sets ours. One write per ~64 KiB rather than per record, because each write
   * costs a muxer frame, an encryption and a socket write.
   */
  async write (msg: SyncMessage, signal: AbortSignal): Promise<void> {
    if (msg.type === 'record') {
      // the record's bytes are queued as they are: copied once, into the chunk written (encodeFrame copied twice)
      const header = recordFrameHeader(msg.bytes.length)
      this.pending.push(header, msg.bytes)
      this.pendingBytes += header.length + msg.bytes.length
      this.bytesSent += header.length + msg.bytes.length
    } else {
      const bytes = encodeFrame(msg)
      this.bytesSent += bytes.length
      this.pending.push(bytes)
      this.pendingBytes += bytes.length
    }
    if (this.pendingBytes >= WRITE_COALESCE_BYTES) await this.flush(signal)
  }

  /**
   * Write what `write` queued, and wait for the stream to drain if it is full. Waits for the 'drain' event itself:
   * `onDrain()` of @libp2p/utils 7.4 keeps the promise of its first drain and resolves every later call at once,
   * which would leave the writer without backpressure
   */
  async flush (signal: AbortSignal): Promise<void> {
    if (!this.sendPending()) await this.drained(signal)
  }

  private async drained (signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    if (!this.stream.writableNeedsDrain) return
    if (this.stream.status !== 'open' && this.stream.status !== 'closing') throw this.failure ?? new SyncAbortedError('the stream closed while writing')
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.stream.removeEventListener('drain', onDrain)
        this.stream.removeEventListener('close', onClose)
        signal.removeEventListener('abort', onAbort)
        if (err != null) reject(err)
        else resolve()
      }
      const onDrain = (): void => { done() }
      const onClose = (evt: Event): void => { done((evt as Event & { error?: Error }).error ?? new SyncAbortedError('the stream closed while writing')) }
      const onAbort = (): void => { done(signal.reason instanceof Error ? signal.reason : new SyncAbortedError('sync aborted')) }
      this.stream.addEventListener('drain', onDrain)
      this.stream.addEventListener('close', onClose)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Hand the queued frames to the stream as one chunk; false when the stream wants us to wait */
  private sendPending (): boolean {
    if (this.pending.length === 0) return !this.stream.writableNeedsDrain
    const chunk = this.pending.length === 1 ? this.pending[0] : concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    return this.stream.send(chunk)
  }

  /** Close our writing end once everything written has been handed to the muxer */
  async close (signal?: AbortSignal): Promise<void> {
    this.sendPending()
    await this.stream.close({ signal })
  }

  /** Tear the stream down at once */
  abort (err: Error): void {
    if (this.stream.status === 'open' || this.stream.status === 'closing') this.stream.abort(err)
  }

  private pause (): void {
    if (this.stream.readStatus !== 'readable') return
    try { this.stream.pause() } catch {}
  }

  private resume (): void {
    if (this.stream.readStatus !== 'paused') return
    this.resuming = true
    try { this.stream.resume() } catch {} finally { this.resuming = false }
    // what resume() handed over may be more than we want buffered: pause again, now that the muxer heard resume
    if (this.parser.buffered > this.highWater) this.pause()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private async waitForData (signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.wake = undefined
        if (err != null) reject(err)
        else resolve()
      }
      const onAbort = (): void => { done(signal.reason instanceof Error ? signal.reason : new SyncAbortedError('sync aborted')) }
      const timer = setTimeout(() => { done(new SyncTimeoutError(`no frame from the peer in ${this.idleTimeout} ms`)) }, this.idleTimeout)
      signal.addEventListener('abort', onAbort, { once: true })
      this.wake = () => { done() }
    })
  }
}

function concat (chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}
