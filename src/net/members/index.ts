/**
 * @packageDocumentation
 *
 * A collective is a mesh, not a star: members learn each other's addresses over `/atelier/members/1.0.0`
 * (normative text: protocols/members.md) and keep a few direct connections, so records keep flowing by gossip when
 * the member who invited them is offline.
 *
 * - `card.ts`: the signed member address card `{ collective, did, peerId, addrs, issued }` and its checks (pure);
 * - `wire.ts`: one length-prefixed JSON message each way, bounded;
 * - `exchange.ts` (`MemberExchange`): present our card, verify theirs, trade the cards of other current members,
 *   and only with members; a non-member gets a bare refusal;
 * - `directory.ts` (`CardDirectory`): the verified cards, persisted and bounded per collective;
 * - `dialer.ts` (`MemberDialer`): keeps up to `memberPeers` card peers in the PeerKeeper (its backoff, redial and
 *   persistence).
 *
 * What it guarantees: every address this node dials because of the exchange came from a card signed by a did that
 * the node's own membership view counts as a current member of a collective it joined. What it does not: that the
 * address is reachable, or that a member does not lie about its own addresses (a dial to `/p2p/<peerId>` fails the
 * Noise handshake unless the named peer answers, so a lie costs a failed dial, never a connection to someone else).
 *
 * @example
 * ```ts
 * const directory = new CardDirectory(store, 256)
 * await directory.open()
 * const exchange = createMemberExchange({ libp2p, signer, crypto, isMember, collectives, directory, addresses, logger })
 * await exchange.start()
 * exchange.on('cards', () => { dialer.review() })
 * ```
 */
import type { Libp2p } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { RecordCrypto, Signer } from '../../records/types.ts'
import type { CardDirectory } from './directory.ts'
import { MemberExchange } from './exchange.ts'

export interface MemberExchangeInit {
  /** Protocol prefix, for a private network. @default '/atelier' */
  protocolPrefix?: string
  /** Deadline of one exchange, either role, ms. @default 10000 */
  timeoutMs?: number
  /** How often the exchange is re-run with every connected peer we share a collective with, ms. @default 120000 */
  intervalMs?: number
  /** Exchanges run at once as requester. @default 4 */
  maxOutbound?: number
  /** Exchanges answered at once; more are refused `busy`. @default 8 */
  maxInbound?: number
}

export interface MemberExchangeComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections' | 'peerId' | 'addEventListener' | 'removeEventListener'>
  /** the node's creator key: it signs our cards */
  signer: Signer
  crypto: RecordCrypto
  /** whether `did` is a member of `collective` at `atMs`, in this node's view; undefined when its charter is not held */
  isMember: (collective: string, did: string, atMs: number) => Promise<boolean | undefined>
  /** the collectives this node takes part in */
  collectives: () => string[]
  directory: CardDirectory
  /** this node's libp2p addresses, to put on its cards */
  addresses: () => string[]
  logger: Logger
}

/** What one exchange as requester did */
export interface ExchangeResult {
  /** cards added to the directory (the responder's included) */
  learnt: number
  /** other members' cards that did not verify or whose did is not a member */
  rejected: number
  /** true when nothing was asked: this node is not a member of the collective, or no connection to the peer is open */
  skipped: boolean
}

export function createMemberExchange (components: MemberExchangeComponents, init: MemberExchangeInit = {}): MemberExchange {
  return new MemberExchange(components, init)
}

export { MemberExchange } from './exchange.ts'
export { CardDirectory } from './directory.ts'
export type { CardStore } from './directory.ts'
export { MemberDialer, MEMBER_SOURCE } from './dialer.ts'
export type { MemberDialerInit, MemberDialerComponents } from './dialer.ts'
export { issueCard, verifyCard, transportAddress, VerifiedCards } from './card.ts'
export type { MemberCard, VerifyCardOptions } from './card.ts'
export { MEMBERS_PROTOCOL } from './constants.ts'
export * from './errors.ts'
