/**
 * MemberDialer: keeps up to `memberPeers` peers learnt from verified member cards in the PeerKeeper, which dials
 * them with its backoff, redials after a disconnect and persists them, so members stay connected to each other
 * when the inviter is gone and after restarts. It adds only addresses from cards that verified and whose did is a
 * current member; it drops a peer whose card is gone or whose did is no longer a member; and it swaps a peer that
 * keeps failing for one not tried yet.
 */
import type { Logger } from 'pino'
import type { PeerStatus } from '../peers.ts'
import type { CardDirectory } from './directory.ts'
import { MAX_CARD_AGE_MS } from './constants.ts'

/** The PeerKeeper source of peers added from member cards */
export const MEMBER_SOURCE = 'member'
/** Dial failures after which a member peer is swapped for an untried one, when there is one */
const SWAP_AFTER_FAILURES = 4

export interface MemberDialerComponents {
  keeper: {
    add(address: string, source: string): Promise<string>
    remove(peerId: string): Promise<void>
    list(): PeerStatus[]
  }
  directory: CardDirectory
  /** the collectives this node takes part in */
  collectives: () => string[]
  isMember: (collective: string, did: string, atMs: number) => Promise<boolean | undefined>
  localPeerId: string
  logger: Logger
}

export interface MemberDialerInit {
  /** member peers kept (dialled and redialled). @default 8 */
  memberPeers?: number
  /** how often the set is reviewed, ms. @default 5000 */
  tickMs?: number
}

export class MemberDialer {
  private readonly c: MemberDialerComponents
  private readonly log: Logger
  private readonly memberPeers: number
  private readonly tickMs: number
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private again = false

  constructor (components: MemberDialerComponents, init: MemberDialerInit = {}) {
    this.c = components
    this.log = components.logger.child({ component: 'member-dialer' })
    this.memberPeers = init.memberPeers ?? 8
    this.tickMs = init.tickMs ?? 5000
  }

  start (): void {
    this.timer = setInterval(() => { this.review() }, this.tickMs)
    this.timer.unref()
    this.review()
  }

  stop (): void { clearInterval(this.timer) }

  /** Review the set now (cards were learnt); concurrent calls coalesce into one more pass */
  review (): void {
    if (this.running != null) {
      this.again = true
      return
    }
    this.running = this.maintain()
      .catch(err => { this.log.warn({ err }, 'member dial review failed') })
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.review()
        }
      })
  }

  /** The card addresses of `peerId` in a joined collective where its did is a current member, or undefined */
  private async addressesOf (peerId: string, now: number): Promise<string[] | undefined> {
    for (const collective of this.c.collectives()) {
      const card = this.c.directory.get(collective, peerId)
      if (card == null || card.issued < now - MAX_CARD_AGE_MS) continue
      if ((await this.c.isMember(collective, card.did, now)) === true) return card.addrs.map(a => `${a}/p2p/${peerId}`)
    }
    return undefined
  }

  private async maintain (): Promise<void> {
    const now = Date.now()
    const known = this.c.keeper.list()
    const knownIds = new Set(known.map(p => p.peerId))
    let targets = known.filter(p => p.source === MEMBER_SOURCE)
    for (const t of targets) {
      const addrs = await this.addressesOf(t.peerId, now)
      if (addrs == null) {
        this.log.info({ peer: t.peerId }, 'no longer a member peer; not dialled any more')
        await this.c.keeper.remove(t.peerId)
      } else if (!t.connected && addrs.some(a => !t.addresses.includes(a))) {
        // a newer card names addresses we do not dial yet (the member moved, or now sits behind a relay)
        for (const a of addrs) await this.c.keeper.add(a, MEMBER_SOURCE)
      }
    }
    targets = this.c.keeper.list().filter(p => p.source === MEMBER_SOURCE)

    // untried candidates, newest cards first, spread over the collectives
    const candidates: Array<{ peerId: string, addrs: string[] }> = []
    const seen = new Set<string>()
    for (const collective of this.c.collectives()) {
      for (const card of this.c.directory.of(collective)) {
        if (card.peerId === this.c.localPeerId || knownIds.has(card.peerId) || seen.has(card.peerId)) continue
        seen.add(card.peerId)
        const addrs = await this.addressesOf(card.peerId, now)
        if (addrs != null && addrs.length > 0) candidates.push({ peerId: card.peerId, addrs })
      }
    }
    if (candidates.length === 0) return
    const failing = targets.filter(t => !t.connected && t.failures >= SWAP_AFTER_FAILURES)
    for (const f of failing.slice(0, candidates.length)) {
      this.log.info({ peer: f.peerId, failures: f.failures }, 'member peer keeps failing; trying another')
      await this.c.keeper.remove(f.peerId)
    }
    let free = this.memberPeers - (targets.length - Math.min(failing.length, candidates.length))
    for (const cand of candidates) {
      if (free <= 0) break
      for (const a of cand.addrs) await this.c.keeper.add(a, MEMBER_SOURCE)
      this.log.info({ peer: cand.peerId }, 'dialling a member peer')
      free--
    }
  }
}
