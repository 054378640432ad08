/**
 * PeerKeeper: the peers this node was told about (config bootstrap list, invites, flags), kept connected.
 *
 * Only addresses given that way are dialled, plus those of fellow members taken from verified member cards
 * (src/net/members, source 'member') — never other addresses learned from the network — so a node contacts nobody
 * its operator did not name but the members of the collectives it joined. A lost connection is retried with exponential backoff, and every known peer is
 * persisted so a restart reconnects without being told again.
 */
import { EventEmitter } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import { InvalidRequestError } from '../errors.ts'

export interface KnownPeer {
  peerId: string
  addresses: string[]
  /** where we learned of it: 'config', 'invite', 'flag', 'api' */
  source: string
  /** epoch ms of the last successful connection */
  lastSeen?: number
}

export interface PeerStatus extends KnownPeer {
  connected: boolean
  failures: number
  /** epoch ms of the next dial attempt while disconnected */
  nextAttempt?: number
}

/** Where known peers are persisted (the node's state database) */
export interface PeerStore {
  load(): Promise<KnownPeer[]>
  save(peer: KnownPeer): Promise<void>
  delete(peerId: string): Promise<void>
}

export interface PeerKeeperInit {
  /** first retry delay. @default 1000 */
  minBackoffMs?: number
  /** longest retry delay. @default 60000 */
  maxBackoffMs?: number
  /** how often due dials are checked. @default 500 */
  tickMs?: number
  /** dial timeout. @default 10000 */
  dialTimeoutMs?: number
}

const DEFAULTS = { minBackoffMs: 1000, maxBackoffMs: 60_000, tickMs: 500, dialTimeoutMs: 10_000 }

interface Entry extends PeerStatus {
  dialing: boolean
}

export interface PeerKeeperEvents {
  /** a known or unknown peer connected; `outbound` when this node dialled it */
  connected: [string, { outbound: boolean }]
}

/** Split a multiaddr ending in /p2p/<id> into its peer id */
export function peerIdOfAddress (address: string): string {
  let ma
  try {
    ma = multiaddr(address)
  } catch {
    throw new InvalidRequestError(`${address} is not a multiaddr`)
  }
  const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
  if (id == null) throw new InvalidRequestError(`${address} does not end in /p2p/<peer id>`)
  return id
}

export class PeerKeeper extends EventEmitter<PeerKeeperEvents> {
  private readonly libp2p: Libp2p
  private readonly store: PeerStore
  private readonly log: Logger
  private readonly init: Required<PeerKeeperInit>
  private readonly peers = new Map<string, Entry>()
  private timer?: NodeJS.Timeout
  private readonly onConnect = (evt: CustomEvent<PeerId>): void => { this.connected(evt.detail.toString()) }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => { this.disconnected(evt.detail.toString()) }

  constructor (components: { libp2p: Libp2p, store: PeerStore, logger: Logger }, init: PeerKeeperInit = {}) {
    super()
    this.libp2p = components.libp2p
    this.store = components.store
    this.log = components.logger.child({ component: 'peers' })
    this.init = { ...DEFAULTS, ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) }
  }

  /** Load persisted peers, add the configured ones, start dialling */
  async start (bootstrap: string[]): Promise<void> {
    for (const p of await this.store.load()) this.remember(p)
    for (const a of bootstrap) await this.add(a, 'config')
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.timer = setInterval(() => { this.tick() }, this.init.tickMs)
    this.timer.unref()
    this.tick()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
  }

  /** Remember a peer by a multiaddr ending in /p2p/<id> and keep it connected */
  async add (address: string, source: string): Promise<string> {
    const peerId = peerIdOfAddress(address)
    if (peerId === this.libp2p.peerId.toString()) return peerId
    const entry = this.remember({ peerId, addresses: [address], source })
    await this.store.save(this.known(entry))
    entry.nextAttempt = Date.now()
    this.tick()
    return peerId
  }

  /** Forget a peer: no more dials or redials, and gone from the persisted list (a connection open now stays) */
  async remove (peerId: string): Promise<void> {
    if (this.peers.delete(peerId)) await this.store.delete(peerId)
  }

  /** Dial a known peer now; resolves when connected or rejects with the dial error */
  async connect (peerId: string): Promise<void> {
    const entry = this.peers.get(peerId)
    if (entry == null) throw new InvalidRequestError(`peer ${peerId} is not known`)
    await this.dial(entry)
  }

  /** Every known peer and its state, plus connected peers we were not told about */
  list (): PeerStatus[] {
    const out: PeerStatus[] = [...this.peers.values()].map(({ dialing, ...rest }) => ({ ...rest }))
    for (const conn of this.libp2p.getConnections()) {
      const id = conn.remotePeer.toString()
      if (!this.peers.has(id)) out.push({ peerId: id, addresses: [conn.remoteAddr.toString()], source: 'inbound', connected: true, failures: 0 })
    }
    return out
  }

  private known (e: Entry): KnownPeer {
    return { peerId: e.peerId, addresses: e.addresses, source: e.source, ...(e.lastSeen != null ? { lastSeen: e.lastSeen } : {}) }
  }

  private remember (p: KnownPeer): Entry {
    const existing = this.peers.get(p.peerId)
    if (existing != null) {
      for (const a of p.addresses) if (!existing.addresses.includes(a)) existing.addresses.push(a)
      return existing
    }
    const entry: Entry = { ...p, connected: false, failures: 0, dialing: false, nextAttempt: Date.now() }
    this.peers.set(p.peerId, entry)
    return entry
  }

  private tick (): void {
    const now = Date.now()
    for (const e of this.peers.values()) {
      if (e.connected || e.dialing || (e.nextAttempt ?? 0) > now) continue
      this.dial(e).catch(() => {})
    }
  }

  private async dial (e: Entry): Promise<void> {
    if (this.libp2p.getConnections().some(c => c.remotePeer.toString() === e.peerId)) {
      this.connected(e.peerId)
      return
    }
    e.dialing = true
    let lastErr: unknown
    try {
      for (const a of e.addresses) {
        try {
          await this.libp2p.dial(multiaddr(a), { signal: AbortSignal.timeout(this.init.dialTimeoutMs) })
          this.connected(e.peerId)
          return
        } catch (err) {
          lastErr = err
        }
      }
      e.failures++
      const delay = Math.min(this.init.maxBackoffMs, this.init.minBackoffMs * 2 ** Math.min(e.failures - 1, 16))
      e.nextAttempt = Date.now() + delay
      this.log.info({ peer: e.peerId, failures: e.failures, retryInMs: delay, err: (lastErr as Error)?.message }, 'dial failed')
      throw lastErr
    } finally {
      e.dialing = false
    }
  }

  private connected (peerId: string): void {
    const outbound = this.libp2p.getConnections().some(c => c.remotePeer.toString() === peerId && c.direction === 'outbound')
    const e = this.peers.get(peerId)
    if (e != null && !e.connected) {
      e.connected = true
      e.failures = 0
      e.lastSeen = Date.now()
      e.nextAttempt = undefined
      this.store.save(this.known(e)).catch(err => { this.log.warn({ err }, 'could not persist peer') })
      this.log.info({ peer: peerId }, 'peer connected')
    }
    this.emit('connected', peerId, { outbound })
  }

  private disconnected (peerId: string): void {
    const e = this.peers.get(peerId)
    if (e == null) return
    if (this.libp2p.getConnections().some(c => c.remotePeer.toString() === peerId)) return
    e.connected = false
    e.nextAttempt = Date.now() + this.init.minBackoffMs
    this.log.info({ peer: peerId }, 'peer disconnected; will redial')
  }
}
