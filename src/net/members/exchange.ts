/**
 * MemberExchange: speaks `/atelier/members/1.0.0`. When a connection opens with a peer we share a joined collective
 * with (we hold its card there, or an invite to it named that peer), after a membership change, and every
 * `intervalMs`, it presents this node's signed card and asks for the cards of the other current members. It
 * answers the same question from others, but only to a requester whose own card verifies, names the stream's
 * remote peer, and belongs to a current member: anyone else gets a bare refusal. Every exchange runs under a
 * deadline, the number in flight is bounded both ways, and a refused request is retried with backoff (a new
 * member's join may not have reached the responder yet).
 */
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { RecordCrypto, Signer } from '../../records/types.ts'
import { cardTag, issueCard, verifyCard, VerifiedCards } from './card.ts'
import type { MemberCard } from './card.ts'
import {
  CARD_REFRESH_MS, DEFAULT_INTERVAL_MS, DEFAULT_MAX_INBOUND, DEFAULT_MAX_OUTBOUND, DEFAULT_TIMEOUT_MS, MAX_CARDS_PER_RESPONSE,
  MAX_INBOUND_STREAMS, MAX_KNOWN_CARDS, MAX_OUTBOUND_STREAMS, MAX_PRESENTED_CARD_AGE_MS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES,
  MEMBERSHIP_SETTLE_MS, PROTOCOL_NAME, PROTOCOL_PREFIX, PROTOCOL_VERSION
} from './constants.ts'
import type { CardDirectory } from './directory.ts'
import { InvalidCardError, MemberRefusedError, MemberTimeoutError, RefusalCode } from './errors.ts'
import { decodeMessage, encodeMessage, readMessage } from './wire.ts'
import type { MemberExchangeComponents, MemberExchangeInit, ExchangeResult } from './index.ts'

/** First retry after a refusal, ms; doubled each time up to the exchange interval */
const RETRY_MIN_MS = 1_000
const utf8 = new TextEncoder()

export interface MemberExchangeEvents {
  /** cards of `collective` were added to the directory */
  cards: [collective: string, cards: MemberCard[]]
}

export class MemberExchange extends EventEmitter<MemberExchangeEvents> {
  readonly protocol: string
  private readonly c: MemberExchangeComponents
  private readonly log: Logger
  private readonly timeoutMs: number
  private readonly intervalMs: number
  private readonly maxInbound: number
  private readonly maxOutbound: number
  private readonly shutdown = new AbortController()
  private readonly ownCards = new Map<string, { card: MemberCard, key: string }>()
  /** cards verified before, so a card seen again costs no signature check (card.ts) */
  private readonly verified = new VerifiedCards()
  /** `${peer} ${collective}` waiting for an outbound slot, or running */
  private readonly queued = new Set<string>()
  private readonly running = new Set<string>()
  /** `${peer} ${collective}` → backoff state after refusals */
  private readonly retries = new Map<string, { delay: number, timer: NodeJS.Timeout }>()
  private readonly settling = new Map<string, NodeJS.Timeout>()
  private inbound = 0
  private timer?: NodeJS.Timeout
  private started = false
  private readonly onConnect = (evt: CustomEvent<PeerId>): void => { this.exchangeWith(evt.detail.toString()) }

  constructor (components: MemberExchangeComponents, init: MemberExchangeInit = {}) {
    super()
    this.c = components
    this.log = components.logger.child({ component: 'members' })
    this.protocol = `${init.protocolPrefix ?? PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`
    this.timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.intervalMs = init.intervalMs ?? DEFAULT_INTERVAL_MS
    this.maxInbound = init.maxInbound ?? DEFAULT_MAX_INBOUND
    this.maxOutbound = init.maxOutbound ?? DEFAULT_MAX_OUTBOUND
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.c.libp2p.handle(this.protocol, this.handle, {
      maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS, runOnLimitedConnection: false
    })
    this.c.libp2p.addEventListener('peer:connect', this.onConnect)
    this.timer = setInterval(() => { this.exchangeAll() }, this.intervalMs)
    this.timer.unref()
    this.started = true
    this.exchangeAll()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.timer)
    for (const r of this.retries.values()) clearTimeout(r.timer)
    for (const t of this.settling.values()) clearTimeout(t)
    this.retries.clear()
    this.settling.clear()
    this.c.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.shutdown.abort(new MemberTimeoutError('the member exchange is stopping'))
    await this.c.libp2p.unhandle(this.protocol)
  }

  /** An invite to `collective` named `peerIds`: ask them once we are a member there */
  async invited (collective: string, peerIds: string[]): Promise<void> {
    for (const p of peerIds) if (p !== this.localPeerId) await this.c.directory.addSeed(collective, p)
  }

  /**
   * A membership record of `collective` arrived: once the view has settled, exchange with every connected peer we
   * share it with (a new member learns the others; the others learn it)
   */
  membershipChanged (collective: string): void {
    if (!this.started || this.settling.has(collective)) return
    const t = setTimeout(() => {
      this.settling.delete(collective)
      for (const peer of this.connectedPeers()) if (this.c.directory.knows(collective, peer)) this.enqueue(peer, collective)
    }, MEMBERSHIP_SETTLE_MS)
    t.unref()
    this.settling.set(collective, t)
  }

  /** Exchange with `peer` for every joined collective we share with it */
  exchangeWith (peer: string): void {
    if (!this.started) return
    for (const collective of this.c.collectives()) if (this.c.directory.knows(collective, peer)) this.enqueue(peer, collective)
  }

  private exchangeAll (): void {
    for (const peer of this.connectedPeers()) this.exchangeWith(peer)
  }

  private get localPeerId (): string { return this.c.libp2p.peerId.toString() }

  private connectedPeers (): string[] {
    return [...new Set(this.c.libp2p.getConnections().map(conn => conn.remotePeer.toString()))]
  }

  private enqueue (peer: string, collective: string): void {
    const key = `${peer} ${collective}`
    if (this.queued.has(key)) return
    this.queued.add(key)
    this.pump()
  }

  /** Start queued exchanges while fewer than maxOutbound run */
  private pump (): void {
    for (const key of this.queued) {
      if (this.running.size >= this.maxOutbound) return
      if (this.running.has(key)) continue
      this.running.add(key)
      const [peer, collective] = key.split(' ')
      this.exchange(peer, collective)
        .then(() => { this.retries.delete(key) })
        .catch(err => { this.failed(peer, collective, err) })
        .finally(() => {
          this.running.delete(key)
          this.queued.delete(key)
          this.pump()
        })
        .catch(err => { this.log.error({ err }, 'member exchange bookkeeping failed') })
    }
  }

  private failed (peer: string, collective: string, err: Error): void {
    this.log.debug({ peer, collective, code: (err as any).code, err: err.message }, 'member exchange failed')
    // refused: our membership may not have reached the peer yet; anything else waits for the next round
    if (err.name !== 'MemberRefusedError' || !this.started) return
    const key = `${peer} ${collective}`
    const delay = Math.min(this.intervalMs, (this.retries.get(key)?.delay ?? RETRY_MIN_MS / 2) * 2)
    const timer = setTimeout(() => { this.enqueue(peer, collective) }, delay)
    timer.unref()
    this.retries.set(key, { delay, timer })
  }

  /** This node's card for `collective`, signed afresh when older than CARD_REFRESH_MS or when its addresses changed */
  private ownCard (collective: string): MemberCard {
    const now = Date.now()
    const addrs = this.c.addresses()
    const key = JSON.stringify(addrs)
    const cached = this.ownCards.get(collective)
    if (cached != null && cached.key === key && now - cached.card.issued < CARD_REFRESH_MS) return cached.card
    const card = issueCard({ collective, peerId: this.localPeerId, addrs, issued: now }, this.c.signer)
    this.ownCards.set(collective, { card, key })
    return card
  }

  private async amMember (collective: string): Promise<boolean> {
    return this.c.collectives().includes(collective) && (await this.c.isMember(collective, this.c.signer.did, Date.now())) === true
  }

  /**
   * Run one exchange as the requester: present our card, check the responder's, keep the other members' cards
   * that verify. Throws MemberRefusedError, MemberProtocolError, InvalidCardError (the responder's own card),
   * MemberTimeoutError.
   */
  async exchange (peer: string, collective: string): Promise<ExchangeResult> {
    if (!(await this.amMember(collective))) return { learnt: 0, rejected: 0, skipped: true }
    // over a connection that is open, never a new dial: libp2p would dial addresses it learnt from the network,
    // and only the PeerKeeper decides whom this node dials
    const connection = this.c.libp2p.getConnections(peerIdFromString(peer)).find(conn => conn.status === 'open' && conn.limits == null)
    if (connection == null) return { learnt: 0, rejected: 0, skipped: true }
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutMs)])
    const stream = await connection.newStream(this.protocol, { signal })
    try {
      const reply = readMessage(stream, MAX_RESPONSE_BYTES, signal)
      reply.catch(() => {})
      // the cards held already are named, so a converged collective's exchange carries the responder's card alone
      const known = this.c.directory.of(collective).slice(0, MAX_KNOWN_CARDS).map(cardTag)
      stream.send(encodeMessage({ type: 'request', collective, card: this.ownCard(collective), known }))
      await stream.close({ signal })
      const msg = decodeMessage(await reply, 'answer')
      if (msg.type === 'refused') throw new MemberRefusedError(`${peer} refused the member exchange for ${collective}: ${msg.code}`, { details: { refusal: msg.code } })
      if (msg.type !== 'response') throw new InvalidCardError('unexpected message')
      const now = Date.now()
      const theirs = await this.checkMember(verifyCard(msg.card, { crypto: this.c.crypto, now, collective, peerId: peer, maxAgeMs: MAX_PRESENTED_CARD_AGE_MS, verified: this.verified }))
      const learnt: MemberCard[] = []
      if (await this.c.directory.add(theirs)) learnt.push(theirs)
      let rejected = 0
      for (const raw of msg.cards) {
        try {
          const card = await this.checkMember(verifyCard(raw, { crypto: this.c.crypto, now, collective, verified: this.verified }))
          if (card.peerId === this.localPeerId) continue
          if (await this.c.directory.add(card)) learnt.push(card)
        } catch {
          rejected++
        }
      }
      if (rejected > 0) this.log.info({ peer, collective, rejected }, 'member cards refused')
      if (learnt.length > 0) this.emit('cards', collective, learnt)
      return { learnt: learnt.length, rejected, skipped: false }
    } catch (err) {
      stream.abort(err as Error)
      throw signal.aborted && !this.shutdown.signal.aborted ? new MemberTimeoutError(`member exchange with ${peer} timed out`) : err
    }
  }

  /** The card, if its did is a current member of its collective; InvalidCardError otherwise */
  private async checkMember (card: MemberCard): Promise<MemberCard> {
    if ((await this.c.isMember(card.collective, card.did, Date.now())) !== true) {
      throw new InvalidCardError(`member card: ${card.did} is not a member of ${card.collective}`, { details: { rule: 'member' } })
    }
    return card
  }

  /** The responder: never throws, whatever the peer sends */
  private async handle (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutMs)])
    this.inbound++
    try {
      let code: RefusalCode = RefusalCode.BAD_REQUEST
      let answer: Uint8Array | undefined
      try {
        const msg = decodeMessage(await readMessage(stream, MAX_REQUEST_BYTES, signal), 'request')
        if (msg.type !== 'request') throw new InvalidCardError('expected a request')
        if (this.inbound > this.maxInbound) {
          code = RefusalCode.BUSY
        } else {
          const card = verifyCard(msg.card, { crypto: this.c.crypto, now: Date.now(), collective: msg.collective, peerId: peer, maxAgeMs: MAX_PRESENTED_CARD_AGE_MS, verified: this.verified })
          code = RefusalCode.REFUSED
          if (!(await this.amMember(msg.collective))) throw new InvalidCardError('not a collective of ours')
          await this.checkMember(card)
          answer = await this.answer(card, new Set(msg.known))
        }
      } catch (err) {
        this.log.debug({ peer, code: (err as any).code, err: (err as Error).message }, 'member exchange refused')
      }
      stream.send(answer ?? encodeMessage({ type: 'refused', code }))
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    } finally {
      this.inbound--
    }
  }

  /** Keep the requester's card; the response: our card and a sample of other current members' cards the requester
   * does not hold (`known`: their tags), within bounds */
  private async answer (requester: MemberCard, known: Set<string>): Promise<Uint8Array> {
    if (await this.c.directory.add(requester)) this.emit('cards', requester.collective, [requester])
    const own = this.ownCard(requester.collective)
    const now = Date.now()
    const candidates = this.c.directory.of(requester.collective)
      .filter(c => c.peerId !== requester.peerId && c.peerId !== this.localPeerId && !known.has(cardTag(c)))
    shuffle(candidates)
    const cards: MemberCard[] = []
    let bytes = utf8.encode(JSON.stringify(own)).length + 64
    for (const c of candidates) {
      if (cards.length >= MAX_CARDS_PER_RESPONSE) break
      // a removed member's card stays with us only until the next check; it is never handed on
      if ((await this.c.isMember(c.collective, c.did, now)) !== true) continue
      const size = utf8.encode(JSON.stringify(c)).length + 1
      if (bytes + size > MAX_RESPONSE_BYTES) break
      bytes += size
      cards.push(c)
    }
    return encodeMessage({ type: 'response', card: own, cards })
  }
}

function shuffle<T> (items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
}
