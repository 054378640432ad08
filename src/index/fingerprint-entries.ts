/**
 * What an asset record adds for near-duplicate search, beside its `entriesOf` entries (written in the same batch):
 * one `fingerprints` key per fingerprint of a known algorithm (src/fingerprints/codes.ts), so the whole set of
 * codes the node counts can be loaded, algorithm by algorithm, without reading a single record body.
 *
 *   key:   alg \0 code \0 record cid      (code: the raw code bits as lower hex; an ISCC code's 64 body bits, not
 *                                          its `ISCC:` string)
 *   value: JSON { content, issuer, validFrom, quality? }
 *
 * Fingerprints of algorithms this release does not know are not indexed. Pure: the same record always gives the
 * same entries, so a removal deletes exactly what the put wrote and a rebuild writes them again.
 */
import { bytesHex, codeBits } from '../fingerprints/codes.ts'
import type { AssetSubject, ValidRecord } from '../records/types.ts'
import type { IndexEntry } from './entries.ts'
import { contentOf } from './entries.ts'
import { part, SEP } from './keys.ts'

/** The value of a `fingerprints` entry */
export interface FingerprintEntryValue {
  /** content CID of the asset */
  content: string
  /** the asset record's author */
  issuer: string
  /** the asset record's validFrom, as written in it */
  validFrom: string
  /** PDQ's quality */
  quality?: number
}

/** The `fingerprints` key of one code */
export function fingerprintKey (alg: string, codeHex: string, cid: string): string {
  return alg + SEP + codeHex + SEP + cid
}

/** Fingerprint entries of a record (none unless it is an asset carrying fingerprints of known algorithms) */
export function fingerprintEntriesOf (record: ValidRecord): IndexEntry[] {
  if (record.kind !== 'asset') return []
  const subject = record.credential.credentialSubject as AssetSubject
  if (subject.fingerprints === undefined) return []
  const cid = part(record.cid, 'cid')
  const out: IndexEntry[] = []
  for (const claim of subject.fingerprints) {
    const bits = codeBits(claim)
    if (bits === undefined) continue
    const value: FingerprintEntryValue = { content: contentOf(subject.id), issuer: record.author, validFrom: record.credential.validFrom }
    if (claim.quality !== undefined) value.quality = claim.quality
    out.push({ sublevel: 'fingerprints', key: fingerprintKey(claim.alg, bytesHex(bits), cid), value: JSON.stringify(value) })
  }
  return out
}
