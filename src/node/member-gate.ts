/**
 * Who may use this node's relay: a peer whose verified member card (src/net/members) this node holds for a
 * collective it takes part in, whose did is still a member there. A member that has just connected to reserve may
 * not have presented its card yet (its member exchange runs on connect, beside the reservation), so a peer not yet
 * known is waited for a few seconds before the answer is no.
 */
import type { PeerId } from '@libp2p/interface'
import type { CardDirectory } from '../net/members/index.ts'

export interface MemberGateComponents {
  directory: Pick<CardDirectory, 'collectivesOf' | 'get'>
  /** the collectives this node takes part in */
  collectives: () => string[]
  isMember: (collective: string, did: string, atMs: number) => Promise<boolean | undefined>
}

/** How long a reservation waits for the peer's card to arrive over the member exchange, ms */
export const MEMBER_GATE_WAIT_MS = 8_000
const POLL_MS = 200

export class MemberGate {
  private readonly c: MemberGateComponents
  private readonly waitMs: number

  constructor (components: MemberGateComponents, waitMs = MEMBER_GATE_WAIT_MS) {
    this.c = components
    this.waitMs = waitMs
  }

  /** Whether `peer` is a current member of a collective we share, in this node's view right now */
  async isMemberNow (peer: string): Promise<boolean> {
    const joined = new Set(this.c.collectives())
    for (const collective of this.c.directory.collectivesOf(peer)) {
      if (!joined.has(collective)) continue
      const card = this.c.directory.get(collective, peer)
      if (card != null && (await this.c.isMember(collective, card.did, Date.now())) === true) return true
    }
    return false
  }

  /** Whether `peer` is a member, waiting up to `waitMs` for its card */
  async isMember (peer: PeerId, signal?: AbortSignal): Promise<boolean> {
    const id = peer.toString()
    const deadline = Date.now() + this.waitMs
    for (;;) {
      if (await this.isMemberNow(id)) return true
      if (Date.now() >= deadline || signal?.aborted === true) return false
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
    }
  }
}
