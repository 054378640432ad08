/**
 * One collective's records that exercise every rule at once, shared by the determinism and check tests: quorum
 * reached and not, an admit/remove tie, removal and re-admission, contention for an invite's uses, repeated and
 * expired joins, a join while removed, and void records (a non-admin's, another collective's, other kinds).
 */
import type { ValidRecord } from '../../src/records/index.ts'
import { admit, alice, attest, bob, carol, dan, day, erin, frank, grace, invite, join, makeCharter, mallory, remove } from './helpers.ts'

export const charter = makeCharter({ policy: 'invite', quorum: 2 })
export const elsewhere = makeCharter({ name: 'Elsewhere', quorum: 1 })
export const limited = invite(charter, alice, day(2), day(12), 2)
export const open = invite(charter, carol, day(3), day(20))
export const forged = invite(charter, mallory, day(2), day(20))

/** The records, in no particular order */
export const records: ValidRecord[] = [
  // dan: admitted by quorum, removed by quorum, re-admitted
  admit(charter, alice, dan, day(2)), admit(charter, bob, dan, day(2), day(3)),
  remove(charter, bob, dan, day(8)), remove(charter, carol, dan, day(8), day(9)),
  admit(charter, alice, dan, day(14)), admit(charter, carol, dan, day(14)),
  // erin: one signature only (pending); and an admit/remove tie at the same instant with quorum on both
  admit(charter, alice, erin, day(4)),
  admit(charter, alice, grace, day(6)), admit(charter, bob, grace, day(6)), remove(charter, alice, grace, day(6)), remove(charter, carol, grace, day(6)),
  // joins contending for 2 uses, two at the same instant; a duplicate; a join after expiry; one with the forged invite
  limited, open, forged,
  join(charter, frank, limited.cid, day(5)), join(charter, mallory, limited.cid, day(5)), join(charter, erin, limited.cid, day(5, 6)),
  join(charter, frank, limited.cid, day(6)), join(charter, erin, limited.cid, day(13)),
  join(charter, erin, open.cid, day(7)), join(charter, erin, forged.cid, day(4)),
  // dan joins while removed: refused
  join(charter, dan, open.cid, day(10)),
  // void: a non-admin's admit, another collective's records, other kinds
  admit(charter, mallory, mallory, day(2)), admit(elsewhere, alice, frank, day(2)), elsewhere,
  attest(charter, dan, day(5)), attest(charter, mallory, day(5)), charter
]

