/**
 * When this node last saw each peer: a connection open now, a finished sync session, a gossip message or a member
 * card. A member counts as live for replication while one of its nodes was seen within the offline period; this
 * is each node's local view (protocols/collectives.md §Replication says how the views converge).
 *
 * Bounded: at most `maxPeers` entries; the peer seen longest ago is forgotten first.
 */
export interface MemberNode {
  peerId: string
  /** epoch ms the member's card for that node was signed */
  issued: number
}

export class Liveness {
  private readonly seenAt = new Map<string, number>()
  private readonly maxPeers: number
  /** members are given the benefit of the doubt for one offline period after this node starts */
  readonly startedAt: number

  constructor (init: { startedAt: number, maxPeers: number }) {
    this.startedAt = init.startedAt
    this.maxPeers = init.maxPeers
  }

  /** Note that `peerId` was seen at `at` (epoch ms) */
  seen (peerId: string, at: number): void {
    const before = this.seenAt.get(peerId)
    if (before != null && before >= at) return
    this.seenAt.delete(peerId)
    this.seenAt.set(peerId, at)
    // insertion order is seen order (re-inserted on every sighting): the first key is the stalest
    while (this.seenAt.size > this.maxPeers) this.seenAt.delete(this.seenAt.keys().next().value as string)
  }

  /** The latest sign of life of a member with these nodes, never before this node started */
  lastSeen (nodes: readonly MemberNode[]): number {
    let last = this.startedAt
    for (const n of nodes) last = Math.max(last, n.issued, this.seenAt.get(n.peerId) ?? 0)
    return last
  }

  /** Whether a member with these nodes was seen within `offlineMs` of `now` */
  isLive (nodes: readonly MemberNode[], now: number, offlineMs: number): boolean {
    return now - this.lastSeen(nodes) <= offlineMs
  }
}
