/**
 * Records as a verification sees them: read from the store and re-validated (schema, canonical bytes, CID, proof),
 * never taken on the index's word. Each record is loaded once per report (a cache keyed by CID), and the records
 * that bear on another (its licenses, grants, revocations) are found through the index and re-validated the same
 * way; a supporting record that fails is left out and reported.
 */
import { CID } from 'multiformats/cid'
import { isAtelierError } from '../errors.ts'
import type { RecordQuery, RecordSummary } from '../index/types.ts'
import { validateRecord } from '../records/validate.ts'
import type { RecordKind, ValidRecord } from '../records/types.ts'
import type { Finding } from './verify-codes.ts'
import { MAX_RELATED_RECORDS } from './verify-constants.ts'
import { finding, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

/** What loading a record found */
export type LoadOutcome =
  | { status: 'valid', record: ValidRecord, summary?: RecordSummary }
  /** neither indexed nor stored */
  | { status: 'missing' }
  /** indexed, but the block is not in the store */
  | { status: 'notHeld', summary: RecordSummary }
  /** stored, but not a valid record under this CID */
  | { status: 'invalid', finding: Finding, summary?: RecordSummary }

/** The canonical form of a CID string (CIDv1, base32), or undefined when it is not a CID */
export function normalizeCid (value: string): string | undefined {
  try {
    return CID.parse(value).toV1().toString()
  } catch {
    return undefined
  }
}

/** Re-validate stored bytes as the record `cid` */
export function checkStored (cid: string, bytes: Uint8Array, view: Pick<VerifyView, 'crypto'>): LoadOutcome {
  let record: ValidRecord
  try {
    record = validateRecord(bytes, { crypto: view.crypto })
  } catch (err) {
    const reason = isAtelierError(err) || err instanceof Error ? err.message : String(err)
    if (err instanceof Error && err.name === 'InvalidSignatureError') {
      return { status: 'invalid', finding: finding('signature.invalid', cid, `The signature of record ${ref(cid)} does not verify: ${reason}.`) }
    }
    return { status: 'invalid', finding: finding('record.malformed', cid, `The stored bytes of record ${ref(cid)} are not a valid record: ${reason}.`) }
  }
  if (record.cid !== cid) {
    return {
      status: 'invalid',
      finding: finding('record.hashMismatch', cid, `The bytes stored as record ${ref(cid)} are a valid record, but with the CID ${record.cid}: they were swapped or altered.`, [record.cid])
    }
  }
  return { status: 'valid', record }
}

/** Loads and re-validates records for one report, each once */
export class VerifiedRecords {
  private readonly view: VerifyView
  private readonly cache = new Map<string, Promise<LoadOutcome>>()

  constructor (view: VerifyView) {
    this.view = view
  }

  /** The record `cid`, re-validated from its stored bytes */
  async load (cid: string): Promise<LoadOutcome> {
    let outcome = this.cache.get(cid)
    if (outcome == null) {
      outcome = this.read(cid)
      this.cache.set(cid, outcome)
    }
    return outcome
  }

  private async read (cid: string): Promise<LoadOutcome> {
    const [summary, bytes] = await Promise.all([this.view.summary(cid), this.view.recordBytes(cid)])
    if (bytes == null) return summary == null ? { status: 'missing' } : { status: 'notHeld', summary }
    const outcome = checkStored(cid, bytes, this.view)
    if (summary != null && outcome.status !== 'missing' && outcome.status !== 'notHeld') outcome.summary = summary
    return outcome
  }

  /**
   * Records of `kind` the index finds for `q` (at most MAX_RELATED_RECORDS, newest first), re-validated. The valid
   * ones are returned; each one that fails re-validation comes back as a finding about it.
   */
  async related (kind: RecordKind, q: Omit<RecordQuery, 'kind' | 'limit' | 'cursor'>): Promise<{ records: ValidRecord[], problems: Finding[] }> {
    const page = await this.view.query({ ...q, kind, limit: MAX_RELATED_RECORDS })
    const outcomes = await Promise.all(page.items.map(async s => this.load(s.cid)))
    const records: ValidRecord[] = []
    const problems: Finding[] = []
    for (const o of outcomes) {
      if (o.status === 'valid') {
        if (o.record.kind === kind) records.push(o.record)
      } else if (o.status === 'invalid') {
        problems.push(o.finding)
      }
    }
    return { records, problems }
  }
}
