/**
 * Member address cards: `{ type, version, collective, did, peerId, addrs, issued, signature }`, signed by the
 * member's creator key (Ed25519 did:key). A card says "the creator `did`, a member of `collective`, runs the libp2p
 * peer `peerId`, reachable at `addrs`". The signature covers CARD_SIGNING_PREFIX ‖ JCS(card without `signature`).
 *
 * Pure: no I/O and no clock (the caller passes `now`), so the checks are the same wherever they run.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { canonicalBytes, decodeBase58Multibase, encodeBase58Multibase, isRecordCid, publicKeyFromDidKey } from '../../records/index.ts'
import type { RecordCrypto, Signer } from '../../records/types.ts'
import {
  CARD_SIGNING_PREFIX, CARD_TAG_CHARS, CARD_TYPE, CARD_VERSION, MAX_ADDR_CHARS, MAX_ADDRS_PER_CARD, MAX_CARD_AGE_MS, MAX_CARD_BYTES,
  MAX_CLOCK_SKEW_MS
} from './constants.ts'
import { InvalidCardError } from './errors.ts'

/** A member address card as it travels (protocols/members.md §2) */
export interface MemberCard {
  type: typeof CARD_TYPE
  version: typeof CARD_VERSION
  /** the collective's charter CID */
  collective: string
  /** the member's creator did:key; it signs the card */
  did: string
  /** the libp2p peer id of the member's node */
  peerId: string
  /** transport multiaddrs of that node, without /p2p/ */
  addrs: string[]
  /** epoch ms when the card was signed */
  issued: number
  /** `z` + base58btc of the Ed25519 signature */
  signature: string
}

const FIELDS = new Set(['type', 'version', 'collective', 'did', 'peerId', 'addrs', 'issued', 'signature'])
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/
const utf8 = new TextEncoder()
const text = new TextDecoder()

/** Signed bytes as a string (canonical JSON is UTF-8 text), to remember and compare */
function textOf (bytes: Uint8Array): string { return text.decode(bytes) }

function signingBytes (unsigned: Omit<MemberCard, 'signature'>): Uint8Array {
  const body = canonicalBytes(unsigned)
  const prefix = utf8.encode(CARD_SIGNING_PREFIX)
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix, 0)
  out.set(body, prefix.length)
  return out
}

/** A card's tag in a request's `known` list: the first CARD_TAG_CHARS characters of its signature after the `z` */
export function cardTag (card: Pick<MemberCard, 'signature'>): string {
  return card.signature.slice(1, 1 + CARD_TAG_CHARS)
}

/** Strip a trailing `/p2p/<peerId>` so a card holds transport addresses only */
export function transportAddress (address: string, peerId: string): string {
  const suffix = `/p2p/${peerId}`
  return address.endsWith(suffix) ? address.slice(0, -suffix.length) : address
}

/** Sign a card for this node; addresses ending in /p2p/<peerId> are stripped, duplicates and extras dropped */
export function issueCard (
  fields: { collective: string, peerId: string, addrs: string[], issued: number },
  signer: Signer
): MemberCard {
  const addrs = [...new Set(fields.addrs.map(a => transportAddress(a, fields.peerId)))]
    .filter(a => a.length <= MAX_ADDR_CHARS && addressProblem(a) == null)
    .slice(0, MAX_ADDRS_PER_CARD)
  const unsigned = { type: CARD_TYPE, version: CARD_VERSION, collective: fields.collective, did: signer.did, peerId: fields.peerId, addrs, issued: fields.issued } as const
  return { ...unsigned, addrs: [...addrs], signature: encodeBase58Multibase(signer.sign(signingBytes({ ...unsigned, addrs }))) }
}

export interface VerifyCardOptions {
  crypto: RecordCrypto
  /** epoch ms to judge `issued` against */
  now: number
  /** oldest `issued` accepted, ms before `now`. @default MAX_CARD_AGE_MS */
  maxAgeMs?: number
  /** the card must name this collective */
  collective?: string
  /** the card must name this peer (the remote peer of the stream that presented it) */
  peerId?: string
  /** cards whose content passed before: their addresses and signature are not checked again */
  verified?: VerifiedCards
}

/**
 * The signatures of cards that passed every content check (shape, addresses, signature), with the bytes they signed.
 * An exchange hands each member up to 32 cards it mostly holds already, on every connection, membership change and
 * interval: in a 50-member lab collective, re-verifying them was 30 % of an idle daemon's main thread (a CPU profile
 * of one member while others joined). A card whose signature and signed bytes equal a remembered pair would pass the
 * same content checks again, so only its context (collective, peer, time window) is judged. Bounded in bytes, oldest
 * use evicted first.
 */
export class VerifiedCards {
  private readonly entries = new Map<string, string>()
  private bytes = 0
  readonly maxBytes: number

  /** @param maxBytes what the remembered signatures and signed texts may hold, counted as UTF-16 code units × 2 */
  constructor (maxBytes = 4 * 1024 * 1024) {
    this.maxBytes = maxBytes
  }

  get size (): number { return this.entries.size }
  get heldBytes (): number { return this.bytes }

  /** Whether `signature` was remembered over exactly `signed` (a hit counts as a use) */
  has (signature: string, signed: string): boolean {
    const held = this.entries.get(signature)
    if (held !== signed) return false
    this.entries.delete(signature)
    this.entries.set(signature, held)
    return true
  }

  add (signature: string, signed: string): void {
    if (this.entries.has(signature)) return
    const size = 2 * (signature.length + signed.length)
    if (size > this.maxBytes) return
    this.entries.set(signature, signed)
    this.bytes += size
    for (const [sig, text] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(sig)
      this.bytes -= 2 * (sig.length + text.length)
    }
  }
}

function invalid (rule: string, message: string): InvalidCardError {
  return new InvalidCardError(`member card: ${message}`, { details: { rule } })
}

/** Why a card address is refused, or undefined: a parseable multiaddr with no peer id, or one relay address */
function addressProblem (address: string): string | undefined {
  let components
  try {
    components = multiaddr(address).getComponents()
  } catch {
    return 'not a multiaddr'
  }
  // a card names its node's own transport addresses, or one relay address `<relay transport>/p2p/<relay>/p2p-circuit`
  // (members.md §2): a member behind NAT is reached through a relay that holds its reservation. Noise still proves
  // the far end is the card's peer, so a relay can refuse to carry the dial but never answer in the member's place.
  const circuit = components.findIndex(c => c.name === 'p2p-circuit')
  if (circuit === -1) return components.some(c => c.name === 'p2p') ? 'carries a peer id' : undefined
  const relayHop = components.findIndex(c => c.name === 'p2p')
  if (circuit !== components.length - 1 || relayHop !== circuit - 1 || relayHop === 0) return 'is not <relay address>/p2p/<relay>/p2p-circuit'
  return undefined
}

/**
 * Check a card received from the network: its shape, bounds, signature, time window, and (when given) collective
 * and peer id. Returns the card with exactly its fields; throws InvalidCardError (details.rule names the check).
 * Membership is not checked here: it needs the node's view (the exchange does it next).
 */
export function verifyCard (value: unknown, options: VerifyCardOptions): MemberCard {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw invalid('shape', 'not an object')
  const card = value as Record<string, unknown>
  for (const k of Object.keys(card)) if (!FIELDS.has(k)) throw invalid('shape', `unknown field ${k}`)
  if (card.type !== CARD_TYPE) throw invalid('shape', `type must be ${CARD_TYPE}`)
  if (card.version !== CARD_VERSION) throw invalid('version', `version ${String(card.version)} is not supported`)
  if (typeof card.collective !== 'string' || !isRecordCid(card.collective)) throw invalid('shape', 'collective must be a record CID')
  if (typeof card.did !== 'string') throw invalid('shape', 'did must be a string')
  if (typeof card.peerId !== 'string' || !PEER_ID.test(card.peerId)) throw invalid('shape', 'peerId must be a base58 peer id')
  if (!Array.isArray(card.addrs) || card.addrs.length > MAX_ADDRS_PER_CARD) throw invalid('limit', `addrs must be a list of at most ${MAX_ADDRS_PER_CARD}`)
  for (const a of card.addrs) {
    if (typeof a !== 'string' || a.length > MAX_ADDR_CHARS) throw invalid('limit', `an address must be a string of at most ${MAX_ADDR_CHARS} characters`)
  }
  if (typeof card.issued !== 'number' || !Number.isSafeInteger(card.issued) || card.issued < 0) throw invalid('shape', 'issued must be epoch ms')
  if (typeof card.signature !== 'string') throw invalid('shape', 'signature must be a string')
  if (options.collective != null && card.collective !== options.collective) throw invalid('collective', 'names another collective')
  if (options.peerId != null && card.peerId !== options.peerId) throw invalid('peer', 'names another peer than the one presenting it')
  if (card.issued > options.now + MAX_CLOCK_SKEW_MS) throw invalid('time', 'issued in the future')
  if (card.issued < options.now - (options.maxAgeMs ?? MAX_CARD_AGE_MS)) throw invalid('time', 'too old')

  const { signature, ...unsigned } = card as unknown as MemberCard
  const bytes = signingBytes(unsigned)
  if (bytes.length + signature.length > MAX_CARD_BYTES) throw invalid('limit', `larger than ${MAX_CARD_BYTES} bytes`)
  const signed = options.verified != null ? textOf(bytes) : ''
  if (options.verified?.has(signature, signed) !== true) {
    for (const a of unsigned.addrs) {
      const problem = addressProblem(a)
      if (problem != null) throw invalid('address', `address ${a} ${problem}`)
    }
    let publicKey: Uint8Array
    let sig: Uint8Array
    try {
      publicKey = publicKeyFromDidKey(unsigned.did, 'did')
      sig = decodeBase58Multibase(signature, 'signature')
    } catch (err) {
      throw invalid('shape', (err as Error).message)
    }
    if (sig.length !== 64 || !options.crypto.ed25519.verify(sig, bytes, publicKey)) throw invalid('signature', 'signature does not verify')
    options.verified?.add(signature, signed)
  }
  return { ...unsigned, addrs: [...unsigned.addrs], signature }
}
