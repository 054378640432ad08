/**
 * Fixtures for the collective tests: fixed signers, a clock in whole days, and short issuers for charters and
 * membership records (signed with native crypto, validated as any record is).
 */
import { createSigner, issueRecord } from '../../src/records/index.ts'
import type { AdmissionPolicy, CharterSubject, MembershipSubject, Signer, ValidRecord } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'

export const crypto = nativeCrypto

const signer = (n: number): Signer => createSigner(new Uint8Array(32).fill(n), crypto)
/** Admins */
export const alice = signer(1)
export const bob = signer(2)
export const carol = signer(3)
/** Would-be members */
export const dan = signer(4)
export const erin = signer(5)
export const frank = signer(6)
export const grace = signer(7)
/** Someone who is never an admin */
export const mallory = signer(9)

/** Day `n` of March 2025, at `hour`, epoch ms; the charters below are founded on day 1 */
export const day = (n: number, hour = 0): number => Date.UTC(2025, 2, n, hour)
/** The same instant as a record time string */
export const at = (ms: number): string => new Date(ms).toISOString()

export interface CharterOptions {
  admins?: Signer[]
  quorum?: number
  policy?: AdmissionPolicy
  /** @default the first admin */
  issuer?: Signer
  /** @default day 1 */
  validFrom?: number
  name?: string
}

/** A charter founded on day 1 by its first admin */
export function makeCharter (options: CharterOptions = {}): ValidRecord<'charter'> {
  const admins = options.admins ?? [alice, bob, carol]
  const subject: CharterSubject = {
    name: options.name ?? 'Test collective',
    admins: admins.map(a => a.did),
    admission: { policy: options.policy ?? 'invite', quorum: options.quorum ?? 1 }
  }
  return issueRecord('charter', subject, { signer: options.issuer ?? admins[0], crypto, validFrom: new Date(options.validFrom ?? day(1)) })
}

/** A membership record of `charter`'s collective */
export function membershipRecord (charter: ValidRecord<'charter'> | string, by: Signer, subject: MembershipSubject, validFrom: number): ValidRecord<'membership'> {
  const collective = typeof charter === 'string' ? charter : charter.cid
  return issueRecord('membership', subject, { signer: by, crypto, validFrom: new Date(validFrom), collective })
}

/** `by` signs admitting `member` from `from`, dated `signedAt` (default: `from`) */
export const admit = (charter: ValidRecord<'charter'>, by: Signer, member: Signer, from: number, signedAt = from): ValidRecord<'membership'> =>
  membershipRecord(charter, by, { action: 'admit', member: member.did, effectiveFrom: at(from) }, signedAt)

/** `by` signs removing `member` from `from`, dated `signedAt` (default: `from`) */
export const remove = (charter: ValidRecord<'charter'>, by: Signer, member: Signer, from: number, signedAt = from): ValidRecord<'membership'> =>
  membershipRecord(charter, by, { action: 'remove', member: member.did, effectiveFrom: at(from), reason: 'test' }, signedAt)

/** `by` issues an invite on `issuedAt`, valid until `expiration` */
export const invite = (charter: ValidRecord<'charter'>, by: Signer, issuedAt: number, expiration: number, maxUses?: number): ValidRecord<'membership'> =>
  membershipRecord(charter, by, maxUses === undefined
    ? { action: 'invite', expiration: at(expiration) }
    : { action: 'invite', expiration: at(expiration), maxUses }, issuedAt)

/** `joiner` joins with `inviteCid` on `when` */
export const join = (charter: ValidRecord<'charter'>, joiner: Signer, inviteCid: string, when: number): ValidRecord<'membership'> =>
  membershipRecord(charter, joiner, { action: 'join', invite: inviteCid }, when)

/** A record of another kind in the collective, by `by` on `when` */
export const attest = (charter: ValidRecord<'charter'>, by: Signer, when: number): ValidRecord =>
  issueRecord('attestation', { record: charter.cid, claim: 'endorsement' }, { signer: by, crypto, validFrom: new Date(when), collective: charter.cid })

import { seededRandom } from '../utils/random.ts'
/** seeded pseudo-random numbers in [0, 1), shared by the suites */
export { seededRandom }

/** A Fisher–Yates shuffle of a copy of `items` */
export function shuffled<T> (items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i]
    out[i] = out[j]
    out[j] = tmp
  }
  return out
}
