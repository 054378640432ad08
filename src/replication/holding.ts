/**
 * `/atelier/holding/1.0.0`: "do you hold these works?" (protocols/collectives.md §8, Holding). A node that stopped
 * being a holder of a work asks the work's current holders before it removes its own copy, so a copy is removed only
 * once its replacements are stored. The requester writes one message, the responder one answer, each a 4-byte
 * big-endian length and UTF-8 JSON (the framing of /atelier/members, protocols/members.md §3):
 *
 *   request  { "type": "holding", "collective": c, "works": [cid, …] }        at most MAX_WORKS_PER_REQUEST
 *   answer   { "type": "held", "held": [cid, …] }                              the requested works pinned whole here
 *   refusal  { "type": "refused" }                                             not a member's node, or busy
 *
 * A work counts as held when the responder has a pin rooted at it (any source): a pin is written only after every
 * block under it is stored (src/store). Only nodes of current members of a collective this node takes part in get an
 * answer, so the protocol says nothing about a node's pins to anyone else.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { readMessage } from '../net/members/wire.ts'

export const HOLDING_PROTOCOL = '/atelier/holding/1.0.0'
/** Works asked about per request: a round batches a holder's works, and the answer stays small */
export const MAX_WORKS_PER_REQUEST = 256
/** A request: 256 CIDs of ≤ 100 characters and the collective id, with room to spare */
const MAX_REQUEST_BYTES = 64 * 1024
const MAX_ANSWER_BYTES = 64 * 1024
/** Deadline of one exchange, either role, ms */
const TIMEOUT_MS = 10_000
/** Requests answered at once; more are refused */
const MAX_INBOUND = 4
const utf8 = new TextEncoder()

export interface HoldingComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections'>
  /** whether `peerId` runs a node of a current member of `collective`, a collective this node takes part in */
  isMemberNode: (collective: string, peerId: string) => Promise<boolean>
  /** the CIDs this node has a pin rooted at */
  pinned: () => Promise<Set<string>>
  logger: Logger
}

function frame (msg: unknown): Uint8Array {
  const body = utf8.encode(JSON.stringify(msg))
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  return out
}

function parse (body: Uint8Array): any {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    return undefined
  }
}

export class Holding {
  private readonly c: HoldingComponents
  private readonly log: Logger
  private inbound = 0
  private readonly shutdown = new AbortController()

  constructor (components: HoldingComponents) {
    this.c = components
    this.log = components.logger.child({ component: 'holding' })
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    await this.c.libp2p.handle(HOLDING_PROTOCOL, this.handle, { maxInboundStreams: 2, maxOutboundStreams: 2, runOnLimitedConnection: false })
  }

  async stop (): Promise<void> {
    this.shutdown.abort()
    await this.c.libp2p.unhandle(HOLDING_PROTOCOL)
  }

  /**
   * Which of `works` a node of the member whose nodes are `peerIds` holds, asked over a connection open now (never a
   * new dial). Empty when none of its nodes is connected, or it refused or failed: an unconfirmed copy is not counted.
   */
  async ask (collective: string, peerIds: readonly string[], works: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>()
    for (const peerId of peerIds) {
      const connection = this.c.libp2p.getConnections(peerIdFromString(peerId)).find(conn => conn.status === 'open' && conn.limits == null)
      if (connection == null) continue
      for (let i = 0; i < works.length; i += MAX_WORKS_PER_REQUEST) {
        try {
          for (const w of await this.askOnce(connection, collective, works.slice(i, i + MAX_WORKS_PER_REQUEST))) held.add(w)
        } catch (err: any) {
          this.log.debug({ peer: peerId, err: err?.message }, 'holding question failed')
        }
      }
      if (works.every(w => held.has(w))) break
    }
    return held
  }

  private async askOnce (connection: Connection, collective: string, works: string[]): Promise<string[]> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(TIMEOUT_MS)])
    const stream = await connection.newStream(HOLDING_PROTOCOL, { signal })
    try {
      const reply = readMessage(stream, MAX_ANSWER_BYTES, signal)
      reply.catch(() => {})
      stream.send(frame({ type: 'holding', collective, works }))
      await stream.close({ signal })
      const msg = parse(await reply)
      if (msg?.type !== 'held' || !Array.isArray(msg.held)) return []
      // only what was asked: an answer cannot add works
      const asked = new Set(works)
      return msg.held.filter((w: unknown): w is string => typeof w === 'string' && asked.has(w))
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** The responder: never throws, whatever the peer sends */
  private async handle (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(TIMEOUT_MS)])
    this.inbound++
    try {
      let answer: unknown = { type: 'refused' }
      const msg = parse(await readMessage(stream, MAX_REQUEST_BYTES, signal))
      const valid = msg?.type === 'holding' && typeof msg.collective === 'string' && Array.isArray(msg.works) &&
        msg.works.length <= MAX_WORKS_PER_REQUEST && msg.works.every((w: unknown) => typeof w === 'string')
      if (valid && this.inbound <= MAX_INBOUND && await this.c.isMemberNode(msg.collective, connection.remotePeer.toString())) {
        const pinned = await this.c.pinned()
        answer = { type: 'held', held: (msg.works as string[]).filter(w => pinned.has(w)) }
      }
      stream.send(frame(answer))
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    } finally {
      this.inbound--
    }
  }
}
