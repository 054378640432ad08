/**
 * CardDirectory: the verified member cards this node learnt, per collective and peer, persisted through a port
 * (the node's state db) and bounded: per collective at most `maxPerCollective` cards, the oldest issued evicted.
 * Only cards that passed verifyCard and the membership check are put here; the directory itself trusts its input.
 */
import type { MemberCard } from './card.ts'

/** Where cards (and the peers an invite named) are persisted: a sublevel of the node's state db */
export interface CardStore {
  load(): Promise<MemberCard[]>
  put(card: MemberCard): Promise<void>
  delete(collective: string, peerId: string): Promise<void>
  loadSeeds(): Promise<Array<{ collective: string, peerId: string }>>
  putSeed(collective: string, peerId: string): Promise<void>
}

/** Peers an invite named, kept per collective (an invite carries a handful of the inviter's addresses) */
const MAX_SEEDS_PER_COLLECTIVE = 16

export class CardDirectory {
  private readonly store: CardStore
  private readonly maxPerCollective: number
  /** collective → peerId → card */
  private readonly cards = new Map<string, Map<string, MemberCard>>()
  /** collective → peers an invite to it named: we ask them before we hold any card of theirs */
  private readonly seeds = new Map<string, Set<string>>()

  constructor (store: CardStore, maxPerCollective: number) {
    this.store = store
    this.maxPerCollective = maxPerCollective
  }

  async open (): Promise<void> {
    for (const card of await this.store.load()) this.hold(card)
    for (const { collective, peerId } of await this.store.loadSeeds()) this.holdSeed(collective, peerId)
  }

  /** Remember that an invite to `collective` named `peerId` (its inviter), so the exchange asks it */
  async addSeed (collective: string, peerId: string): Promise<void> {
    if (this.holdSeed(collective, peerId)) await this.store.putSeed(collective, peerId)
  }

  /** Whether `peerId` is a peer to ask about `collective`: we hold its card, or an invite named it */
  knows (collective: string, peerId: string): boolean {
    return this.cards.get(collective)?.has(peerId) === true || this.seeds.get(collective)?.has(peerId) === true
  }

  private holdSeed (collective: string, peerId: string): boolean {
    let set = this.seeds.get(collective)
    if (set == null) this.seeds.set(collective, set = new Set())
    if (set.has(peerId) || set.size >= MAX_SEEDS_PER_COLLECTIVE) return false
    set.add(peerId)
    return true
  }

  /** Keep `card` unless a newer one for the same collective and peer is held; true when it was kept */
  async add (card: MemberCard): Promise<boolean> {
    const current = this.cards.get(card.collective)?.get(card.peerId)
    if (current != null && current.issued >= card.issued) return false
    const evicted = this.hold(card)
    await this.store.put(card)
    for (const e of evicted) await this.store.delete(e.collective, e.peerId)
    return !evicted.includes(card)
  }

  async remove (collective: string, peerId: string): Promise<void> {
    if (this.cards.get(collective)?.delete(peerId) === true) await this.store.delete(collective, peerId)
  }

  /** The cards of a collective, newest first */
  of (collective: string): MemberCard[] {
    return [...(this.cards.get(collective)?.values() ?? [])].sort((a, b) => b.issued - a.issued)
  }

  /** The card of `peerId` in `collective`, if held */
  get (collective: string, peerId: string): MemberCard | undefined {
    return this.cards.get(collective)?.get(peerId)
  }

  /** Collectives for which a card of `peerId` is held */
  collectivesOf (peerId: string): string[] {
    const out: string[] = []
    for (const [collective, byPeer] of this.cards) if (byPeer.has(peerId)) out.push(collective)
    return out
  }

  /** Every collective with at least one card */
  collectives (): string[] { return [...this.cards.keys()] }

  /** Put a card in memory; returns the cards evicted to stay within the bound (possibly `card` itself) */
  private hold (card: MemberCard): MemberCard[] {
    let byPeer = this.cards.get(card.collective)
    if (byPeer == null) this.cards.set(card.collective, byPeer = new Map())
    byPeer.set(card.peerId, card)
    const evicted: MemberCard[] = []
    while (byPeer.size > this.maxPerCollective) {
      let oldest: MemberCard | undefined
      for (const c of byPeer.values()) if (oldest == null || c.issued < oldest.issued) oldest = c
      if (oldest == null) break
      byPeer.delete(oldest.peerId)
      evicted.push(oldest)
    }
    return evicted
  }
}
