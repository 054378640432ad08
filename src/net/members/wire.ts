/**
 * The bytes of `/atelier/members/1.0.0`: each side writes exactly one message, a 4-byte big-endian length and that
 * many bytes of UTF-8 JSON (protocols/members.md §3). The reader stops taking bytes past the cap it was given, so
 * a peer cannot make us buffer more than one bounded message.
 */
import type { Stream } from '@libp2p/interface'
import { CARD_TAG_CHARS, LENGTH_PREFIX_BYTES, MAX_CARDS_PER_RESPONSE, MAX_KNOWN_CARDS } from './constants.ts'
import { MemberProtocolError, MemberTimeoutError, RefusalCode } from './errors.ts'
import type { MemberCard } from './card.ts'

export interface RequestMessage {
  type: 'request'
  collective: string
  /** the requester's own card; unverified until the responder checks it */
  card: unknown
  /** tags (cardTag) of the cards the requester holds for the collective: the responder leaves those out */
  known?: string[]
}

export interface ResponseMessage {
  type: 'response'
  /** the responder's own card */
  card: unknown
  /** cards of other current members (unverified until the requester checks each) */
  cards: unknown[]
}

export interface RefusedMessage {
  type: 'refused'
  code: RefusalCode
}

export type MemberMessage = RequestMessage | ResponseMessage | RefusedMessage

const utf8 = new TextEncoder()

/** One message as bytes: length prefix, then JSON */
export function encodeMessage (msg: RequestMessage | RefusedMessage | (Omit<ResponseMessage, 'card' | 'cards'> & { card: MemberCard, cards: MemberCard[] })): Uint8Array {
  const body = utf8.encode(JSON.stringify(msg))
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, LENGTH_PREFIX_BYTES)
  return out
}

/** Parse and shape-check a message body; throws MemberProtocolError */
export function decodeMessage (body: Uint8Array, expect: 'request' | 'answer'): MemberMessage {
  let msg: any
  try {
    msg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    throw new MemberProtocolError('message is not UTF-8 JSON')
  }
  if (msg == null || typeof msg !== 'object' || Array.isArray(msg)) throw new MemberProtocolError('message is not an object')
  if (expect === 'request') {
    if (msg.type !== 'request' || typeof msg.collective !== 'string' || msg.card == null) throw new MemberProtocolError('expected a request')
    // `known` is optional; one that is not a bounded list of tags is answered as if absent (members.md §3)
    const known = Array.isArray(msg.known) && msg.known.length <= MAX_KNOWN_CARDS &&
      msg.known.every((t: unknown) => typeof t === 'string' && t.length === CARD_TAG_CHARS)
      ? msg.known as string[]
      : undefined
    return { type: 'request', collective: msg.collective, card: msg.card, ...(known != null ? { known } : {}) }
  }
  if (msg.type === 'refused') {
    const codes: string[] = Object.values(RefusalCode)
    return { type: 'refused', code: codes.includes(msg.code) ? msg.code : RefusalCode.REFUSED }
  }
  if (msg.type !== 'response' || msg.card == null || !Array.isArray(msg.cards)) throw new MemberProtocolError('expected a response or a refusal')
  if (msg.cards.length > MAX_CARDS_PER_RESPONSE) throw new MemberProtocolError(`a response carries at most ${MAX_CARDS_PER_RESPONSE} cards`, { details: { rule: 'limit' } })
  return { type: 'response', card: msg.card, cards: msg.cards }
}

/**
 * Read one length-prefixed message body of at most `maxBytes` from `stream`. Rejects with MemberProtocolError when
 * the prefix announces more, when the stream ends before the body is whole, or when bytes follow it; with
 * MemberTimeoutError (or the signal's reason) when `signal` fires.
 */
export async function readMessage (stream: Stream, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted()
  return await new Promise<Uint8Array>((resolve, reject) => {
    let buffer = new Uint8Array(0)
    let expected: number | undefined
    const finish = (err?: Error, body?: Uint8Array): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onEnd)
      signal.removeEventListener('abort', onAbort)
      if (err != null) reject(err)
      else resolve(body as Uint8Array)
    }
    const onMessage = (evt: { data: { byteLength: number, subarray: () => Uint8Array } }): void => {
      const chunk = evt.data.subarray()
      if (buffer.length + chunk.length > LENGTH_PREFIX_BYTES + maxBytes) {
        finish(new MemberProtocolError(`message over ${maxBytes} bytes`, { details: { rule: 'limit' } }))
        return
      }
      const next = new Uint8Array(buffer.length + chunk.length)
      next.set(buffer, 0)
      next.set(chunk, buffer.length)
      buffer = next
      if (expected == null && buffer.length >= LENGTH_PREFIX_BYTES) {
        expected = new DataView(buffer.buffer, buffer.byteOffset).getUint32(0)
        if (expected > maxBytes) {
          finish(new MemberProtocolError(`message announces ${expected} bytes, over ${maxBytes}`, { details: { rule: 'limit' } }))
          return
        }
      }
      if (expected != null && buffer.length >= LENGTH_PREFIX_BYTES + expected) {
        if (buffer.length > LENGTH_PREFIX_BYTES + expected) finish(new MemberProtocolError('bytes after the message'))
        else finish(undefined, buffer.subarray(LENGTH_PREFIX_BYTES))
      }
    }
    const onEnd = (): void => { finish(new MemberProtocolError('the stream ended before a whole message')) }
    const onAbort = (): void => { finish(signal.reason instanceof Error ? signal.reason : new MemberTimeoutError('member exchange timed out')) }
    stream.addEventListener('message', onMessage as any)
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onEnd)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
