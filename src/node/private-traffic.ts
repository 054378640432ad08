/**
 * What a private collective's records look like on the network (protocols/private-collectives.md §7).
 *
 * - Open kinds (charter, membership, key) travel as they are, on gossip and sync: a newcomer must check its epochs
 *   before it holds any key, and they carry who the members are (as an MLS delivery service sees the group) and
 *   wrapped keys (ciphertext), never a work's title or content.
 * - Every other record (works, licences, profiles, governance) goes on gossip only sealed to the current epoch key
 *   (an envelope, §5), and sync serves it only to a peer whose member card (src/net/members: a signature binding its
 *   peer id to a member's did) proves a current member. Sync gates rather than seals because a sync session is
 *   already between two identified peers and a newcomer needs the records of epochs before its admission, whose
 *   keys it is never wrapped.
 *
 * Built before the parts it reads exist (the sync source is made before the collectives), so those are bound late.
 */
import type { ValidRecord } from '../records/types.ts'
import { open, seal } from '../private/envelope.ts'
import type { EpochKeySource } from '../private/epoch-source.ts'
import { KNOWN_SCHEMA_VERSIONS, credentialSchemaId } from '../records/constants.ts'
import type { RecordKind } from '../records/types.ts'

/** Kinds a private collective sends in the clear */
export const OPEN_KINDS: ReadonlySet<string> = new Set(['charter', 'membership', 'key'])

/** The `credentialSchema.id` of every version of the open kinds: what a record in the clear must name */
const OPEN_SCHEMA_IDS: ReadonlySet<string> = new Set([...OPEN_KINDS].flatMap(kind =>
  KNOWN_SCHEMA_VERSIONS[kind as RecordKind].map(v => credentialSchemaId(kind as RecordKind, v))))

/** The first bytes of an envelope on gossip; a record is JSON and starts with `{` */
const MAGIC = new TextEncoder().encode('atelier-envelope/v1\n')

interface Bound {
  keys: EpochKeySource & {
    /** the members the current epoch is wrapped to: every admission and removal starts one, so the current members */
    holders: (collective: string) => readonly string[]
  }
  /** the did of the verified member card this node holds of `peerId` in `collective` (src/net/members) */
  cardDid: (collective: string, peerId: string) => string | undefined
}

export class PrivateTraffic {
  private bound?: Bound

  bind (parts: Bound): void { this.bound = parts }

  isPrivate (collective: string): boolean { return this.bound?.keys.isPrivate(collective) ?? false }

  /** Whether sync may serve `peer` every record of `scope`; otherwise only the open kinds */
  servesAll (scope: string, peer: string | undefined): boolean {
    if (!this.isPrivate(scope)) return true
    if (peer == null || this.bound == null) return false
    // a card proves who the peer's node speaks for; it stays after a removal, so the did must be a member now
    const did = this.bound.cardDid(scope, peer)
    return did != null && this.bound.keys.holders(scope).includes(did)
  }

  /** The gossip message for a record of `collective`: its bytes, an envelope, or undefined (no key yet: sync carries it) */
  outgoing (collective: string, record: ValidRecord): Uint8Array | undefined {
    if (!this.isPrivate(collective) || OPEN_KINDS.has(record.kind)) return record.bytes
    const current = this.bound?.keys.current(collective)
    if (current == null) return undefined
    const e = seal(current.key, collective, current.epoch, record.bytes)
    const head = new TextEncoder().encode(`${current.epoch}\n${Buffer.from(e.salt).toString('base64url')}\n`)
    const out = new Uint8Array(MAGIC.length + head.length + e.ct.length)
    out.set(MAGIC, 0)
    out.set(head, MAGIC.length)
    out.set(e.ct, MAGIC.length + head.length)
    return out
  }

  /**
   * Whether a gossip message of `collective` is refused before the door sees it: a private collective's message in
   * the clear (no envelope) must be a record of an open kind. Its kind is read from `credentialSchema.id` alone,
   * which the door's schema check then holds it to, so a record cannot name an open kind here and be another there.
   * Bytes that are no JSON object are refused too: the door would refuse them anyway.
   */
  refusesClear (collective: string, data: Uint8Array): boolean {
    if (!this.isPrivate(collective) || startsWith(data, MAGIC)) return false
    try {
      const value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'))
      const id = value?.credentialSchema?.id
      return !(typeof id === 'string' && OPEN_SCHEMA_IDS.has(id))
    } catch {
      return true
    }
  }

  /**
   * The record bytes in a gossip message of `collective`: the message itself when it is no envelope (the door then
   * judges it; a private collective refuses any but the open kinds in the clear), the opened envelope, or undefined
   * when this node holds no key to it
   */
  incoming (collective: string, data: Uint8Array): Uint8Array | undefined {
    if (!startsWith(data, MAGIC)) return data
    let at = MAGIC.length
    const line = (): string | undefined => {
      const end = data.indexOf(0x0a, at)
      if (end < 0 || end - at > 64) return undefined
      const text = Buffer.from(data.subarray(at, end)).toString('utf8')
      at = end + 1
      return text
    }
    const epochText = line()
    const saltText = line()
    if (epochText == null || saltText == null || !/^\d{1,10}$/.test(epochText)) return undefined
    const epoch = Number(epochText)
    const key = this.bound?.keys.key(collective, epoch)
    if (key == null) return undefined
    try {
      return open(key, { collective, epoch, salt: new Uint8Array(Buffer.from(saltText, 'base64url')), ct: data.subarray(at) })
    } catch {
      return undefined
    }
  }
}

function startsWith (data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false
  return true
}
