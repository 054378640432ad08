/**
 * Invites: a compact string that carries everything a node needs to join a collective — the charter CID, the
 * inviter's libp2p addresses (with /p2p/<peer id>), and, where the charter admits by invitation, the CID of the
 * admin-signed invite record the joiner's `join` record will cite.
 *
 * Form: `atelier-invite:1:` + base64url(JSON `{ c, a, i? }`). JSON keeps it inspectable; base64url keeps it one
 * shell word.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { InvalidRequestError } from '../errors.ts'

export const INVITE_PREFIX = 'atelier-invite:1:'
/** Most addresses an invite may carry: enough for every interface of a node, not a vector for dial storms */
const MAX_INVITE_ADDRESSES = 16
const MAX_INVITE_LENGTH = 8192

export interface Invite {
  /** charter CID: the collective's id */
  collective: string
  /** multiaddrs of the inviting node, each ending in /p2p/<peer id> */
  addresses: string[]
  /** CID of the admin-signed invite record (collectives that admit by invitation) */
  invite?: string
}

/** The invite as one string */
export function encodeInvite (invite: Invite): string {
  const body = { c: invite.collective, a: invite.addresses, ...(invite.invite != null ? { i: invite.invite } : {}) }
  return INVITE_PREFIX + Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** Parse and check an invite string; InvalidRequestError names what is wrong */
export function decodeInvite (text: string): Invite {
  const s = text.trim()
  if (s.length > MAX_INVITE_LENGTH) throw new InvalidRequestError('invite is too long')
  if (!s.startsWith(INVITE_PREFIX)) throw new InvalidRequestError(`invite must start with ${INVITE_PREFIX}`)
  let body: any
  try {
    body = JSON.parse(Buffer.from(s.slice(INVITE_PREFIX.length), 'base64url').toString('utf8'))
  } catch {
    throw new InvalidRequestError('invite is not readable (truncated or mistyped?)')
  }
  const cid = (v: unknown, field: string): string => {
    try {
      if (typeof v !== 'string') throw new Error('not a string')
      return CID.parse(v).toString()
    } catch {
      throw new InvalidRequestError(`invite ${field} is not a CID`)
    }
  }
  if (!Array.isArray(body?.a) || body.a.length > MAX_INVITE_ADDRESSES) throw new InvalidRequestError(`invite addresses must be a list of at most ${MAX_INVITE_ADDRESSES}`)
  const addresses = body.a.map((a: unknown) => {
    try {
      const ma = multiaddr(String(a))
      if (ma.getComponents().find(c => c.name === 'p2p') == null) throw new Error('no /p2p')
      return ma.toString()
    } catch {
      throw new InvalidRequestError(`invite address ${String(a).slice(0, 100)} is not a multiaddr ending in /p2p/<peer id>`)
    }
  })
  return { collective: cid(body.c, 'collective'), addresses, ...(body.i != null ? { invite: cid(body.i, 'invite record') } : {}) }
}
