/**
 * GossipChannel: collectives over one gossipsub router. Joining a collective lists its topic in the score
 * parameters (an invalid message costs its sender score only on listed topics), installs the node's validator behind a
 * size check, a timeout and an error-to-verdict mapping, and subscribes. A heartbeat listener closes the connections
 * of peers whose score fell below the graylist threshold: gossipsub itself never disconnects anyone.
 */
import { EventEmitter } from 'node:events'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Message, TopicValidatorFn } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { NotReadyError, TooLargeError, isAtelierError } from '../../errors.ts'
import { parseRecordCid } from '../../records/cid.ts'
import { CHANNEL_DEFAULTS, HANGUP_TIMEOUT_MS, LOG_COMPONENT, topicOf } from './constants.ts'
import { NotJoinedError, PublishError } from './errors.ts'
import { topicScoreParams } from './scoring.ts'
import type { TopicScoreParams } from './scoring.ts'
import type { GossipComponents, GossipEvents, GossipInit, GossipStats, ValidateFn, Verdict } from './index.ts'

const RESULT: Readonly<Record<Verdict, TopicValidatorResult>> = Object.freeze({
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore
})

/** Errors that say the input itself is bad (HTTP 400/413 in src/errors.ts): the sender is to blame */
function blamesSender (err: unknown): boolean {
  return isAtelierError(err) && (err.httpStatus === 400 || err.httpStatus === 413)
}

interface Joined {
  collective: string
  topic: string
  validate: ValidateFn
}

interface Judgement {
  verdict: Verdict
  reason: string
}

class ValidationTimeout extends Error {
  override name = 'ValidationTimeout'
}

export class GossipChannel extends EventEmitter<GossipEvents> {
  readonly #components: GossipComponents
  readonly #log: Logger
  readonly #maxMessageBytes: number
  readonly #validateTimeoutMs: number
  readonly #disconnectGraylisted: boolean
  readonly #topicScore: TopicScoreParams
  /** topic → joined collective */
  readonly #joined = new Map<string, Joined>()
  /** peers whose connections are being closed, so one heartbeat does not start a second hang-up */
  readonly #hangingUp = new Set<string>()
  readonly #stats: GossipStats = { received: 0, accepted: 0, rejected: 0, ignored: 0, published: 0, disconnected: 0 }
  #shutdown?: AbortController
  readonly #onHeartbeat = (): void => { this.#dropGraylisted() }

  constructor (components: GossipComponents, init: GossipInit = {}) {
    super()
    this.#components = components
    this.#log = components.logger.forComponent(LOG_COMPONENT)
    this.#maxMessageBytes = init.maxMessageBytes ?? CHANNEL_DEFAULTS.maxMessageBytes
    this.#validateTimeoutMs = init.validateTimeoutMs ?? CHANNEL_DEFAULTS.validateTimeoutMs
    this.#disconnectGraylisted = init.disconnectGraylisted ?? CHANNEL_DEFAULTS.disconnectGraylisted
    // built (and checked) once, so a bad override fails here and not at the first join
    this.#topicScore = topicScoreParams(init.topicScore)
  }

  /** True between start() and stop() */
  isStarted (): boolean {
    return this.#shutdown != null
  }

  /** Start the graylist policy; the libp2p node (and so the router) must be started. Repeated calls are ignored */
  start (): void {
    if (this.#shutdown != null) return
    this.#shutdown = new AbortController()
    if (this.#disconnectGraylisted) this.#components.pubsub.addEventListener('gossipsub:heartbeat', this.#onHeartbeat)
  }

  /** Leave every collective, abort validations in flight (they count as ignored) and stop the graylist policy */
  stop (): void {
    const shutdown = this.#shutdown
    if (shutdown == null) return
    for (const joined of [...this.#joined.values()]) this.#leaveTopic(joined)
    this.#components.pubsub.removeEventListener('gossipsub:heartbeat', this.#onHeartbeat)
    shutdown.abort(new NotReadyError('gossip channel stopped'))
    this.#shutdown = undefined
  }

  /**
   * Join the collective named by `charterCid`: score its topic, validate its messages with `validate`, subscribe.
   * Joining again replaces the validator.
   */
  join (charterCid: string, validate: ValidateFn): void {
    this.#assertStarted()
    const topic = this.#topic(charterCid)
    const existing = this.#joined.get(topic)
    if (existing != null) {
      existing.validate = validate
      return
    }
    const joined: Joined = { collective: charterCid, topic, validate }
    const pubsub = this.#components.pubsub
    // order matters: score parameters before any message of the topic can arrive, the validator before subscribing
    pubsub.score.params.topics[topic] = { ...this.#topicScore }
    pubsub.topicValidators.set(topic, this.#validatorFor(joined))
    this.#joined.set(topic, joined)
    try {
      pubsub.subscribe(topic)
    } catch (err) {
      // gossipsub throws a plain Error when it is not started; undo what join did so far
      this.#joined.delete(topic)
      pubsub.topicValidators.delete(topic)
      delete pubsub.score.params.topics[topic]
      throw new NotReadyError('gossipsub is not started: start libp2p before joining a collective', { cause: err })
    }
    this.#log('joined %s', topic)
  }

  /** Leave a collective: unsubscribe, drop its validator and its score parameters. Leaving twice is a no-op */
  leave (charterCid: string): void {
    const joined = this.#joined.get(this.#topic(charterCid))
    if (joined != null) this.#leaveTopic(joined)
  }

  /** Charter CIDs of the collectives joined */
  collectives (): string[] {
    return [...this.#joined.values()].map(j => j.collective)
  }

  /**
   * Publish one record's bytes to a joined collective. Resolves with the number of peers it was sent to (0 for a lone
   * node, and for bytes already published or received: the seen-cache makes a repeat a no-op, not an error).
   */
  async publish (charterCid: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<{ recipients: number }> {
    this.#assertStarted()
    options.signal?.throwIfAborted()
    const topic = this.#topic(charterCid)
    if (!this.#joined.has(topic)) throw new NotJoinedError(`not joined to collective ${charterCid}`, { details: { collective: charterCid } })
    if (bytes.byteLength > this.#maxMessageBytes) {
      throw new TooLargeError(`message is ${bytes.byteLength} bytes, over the limit of ${this.#maxMessageBytes}`,
        { details: { size: bytes.byteLength, limit: this.#maxMessageBytes } })
    }
    let result
    try {
      result = await this.#components.pubsub.publish(topic, bytes)
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      if (message.includes('Uninitialized')) throw new NotReadyError('gossipsub is not started', { cause: err })
      throw new PublishError(`gossipsub refused to publish: ${message}`, { cause: err, details: { collective: charterCid } })
    }
    this.#stats.published++
    return { recipients: result.recipients.length }
  }

  /** A peer's gossipsub score (cached by gossipsub for one heartbeat); 0 for a peer it does not know */
  score (peer: PeerId | string): number {
    return this.#components.pubsub.getScore(peer.toString())
  }

  /** The peers in our mesh for a collective */
  meshPeers (charterCid: string): PeerId[] {
    return this.#components.pubsub.getMeshPeers(this.#topic(charterCid)).map(id => peerIdFromString(id))
  }

  /** The peers known to be subscribed to a collective's topic */
  subscribers (charterCid: string): PeerId[] {
    return this.#components.pubsub.getSubscribers(this.#topic(charterCid))
  }

  /** Counters since construction */
  stats (): GossipStats {
    return { ...this.#stats }
  }

  #assertStarted (): void {
    if (this.#shutdown == null) throw new NotReadyError('gossip channel is not started')
  }

  /** The topic of a charter CID, which must be a canonical record CID (one spelling, one topic) */
  #topic (charterCid: string): string {
    parseRecordCid(charterCid, 'charterCid')
    return topicOf(charterCid)
  }

  #leaveTopic (joined: Joined): void {
    const pubsub = this.#components.pubsub
    this.#joined.delete(joined.topic)
    try {
      pubsub.unsubscribe(joined.topic)
    } catch (err) {
      // the router is already stopped (libp2p stopping first): nothing left to unsubscribe from
      this.#log.trace('unsubscribe %s failed: %e', joined.topic, err)
    }
    pubsub.topicValidators.delete(joined.topic)
    delete pubsub.score.params.topics[joined.topic]
    this.#log('left %s', joined.topic)
  }

  /** gossipsub's validator for a joined topic: judge, count, emit, map to TopicValidatorResult */
  #validatorFor (joined: Joined): TopicValidatorFn {
    return async (from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
      const size = msg.data.byteLength
      this.#stats.received++
      this.emit('received', { collective: joined.collective, from, size })
      const { verdict, reason } = await this.#judge(joined, msg.data, from)
      const event = { collective: joined.collective, from, size, verdict, reason }
      if (verdict === 'accept') {
        this.#stats.accepted++
        this.emit('accepted', event)
      } else if (verdict === 'reject') {
        this.#stats.rejected++
        this.emit('rejected', event)
      } else {
        this.#stats.ignored++
        this.emit('ignored', event)
      }
      return RESULT[verdict]
    }
  }

  /**
   * The verdict on one message. Never throws: gossipsub counts a thrown error as Ignore, which would let an invalid
   * record cost its sender nothing, so every outcome is mapped here.
   */
  async #judge (joined: Joined, data: Uint8Array, from: PeerId): Promise<Judgement> {
    if (data.byteLength > this.#maxMessageBytes) return { verdict: 'reject', reason: 'too-large' }
    const shutdown = this.#shutdown
    if (shutdown == null) return { verdict: 'ignore', reason: 'stopped' }
    const controller = new AbortController()
    const onShutdown = (): void => { controller.abort(shutdown.signal.reason) }
    shutdown.signal.addEventListener('abort', onShutdown, { once: true })
    const timer = setTimeout(() => {
      controller.abort(new ValidationTimeout(`validation took over ${this.#validateTimeoutMs} ms`))
    }, this.#validateTimeoutMs)
    try {
      const verdict = await abortable(joined.validate(data, from, { signal: controller.signal }), controller.signal)
      if (verdict !== 'accept' && verdict !== 'reject' && verdict !== 'ignore') {
        this.#log.error('validator for %s returned %s, not a verdict; ignoring the message', joined.topic, verdict)
        return { verdict: 'ignore', reason: 'bad-verdict' }
      }
      return { verdict, reason: 'validator' }
    } catch (err) {
      if (controller.signal.aborted) {
        return { verdict: 'ignore', reason: controller.signal.reason instanceof ValidationTimeout ? 'timeout' : 'stopped' }
      }
      if (blamesSender(err)) return { verdict: 'reject', reason: (err as { code: string }).code }
      this.#log('validator for %s failed, ignoring the message: %e', joined.topic, err)
      return { verdict: 'ignore', reason: isAtelierError(err) ? err.code : 'error' }
    } finally {
      clearTimeout(timer)
      shutdown.signal.removeEventListener('abort', onShutdown)
    }
  }

  /** Close the connections of peers below the graylist threshold (scores are refreshed each heartbeat) */
  #dropGraylisted (): void {
    const pubsub = this.#components.pubsub
    const threshold = pubsub.opts.scoreThresholds.graylistThreshold
    for (const peer of pubsub.getPeers()) {
      const id = peer.toString()
      if (this.#hangingUp.has(id)) continue
      const score = pubsub.getScore(id)
      if (score >= threshold) continue
      this.#hangingUp.add(id)
      this.#log('peer %p score %d is below the graylist threshold %d: disconnecting', peer, score, threshold)
      this.#components.hangUp(peer, { signal: AbortSignal.timeout(HANGUP_TIMEOUT_MS) })
        .then(() => {
          this.#stats.disconnected++
          this.emit('peer:disconnected', { peer, score })
        })
        .catch((err: unknown) => { this.#log.error('could not disconnect %p: %e', peer, err) })
        .finally(() => { this.#hangingUp.delete(id) })
        .catch((err: unknown) => { this.#log.error('disconnect bookkeeping failed: %e', err) })
    }
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts */
async function abortable<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}
