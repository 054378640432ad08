/**
 * The chain and clock checks of a provenance report (protocols/verification.md §3.9): what an author's hash chain
 * (`previous`) and the report's `now` say about a record's claimed time.
 *
 * - `chain.fork`: another record of the same author names the same `previous` — the author signed two successors
 *   of one record, which is how a back-dated record shows (protocols/collectives.md §4);
 * - `chain.foreignPrevious`: `previous` names a record signed by someone else, so the link is not the author's chain;
 * - `chain.backdated`: the record's `validFrom` is earlier than its `previous`'s: time runs backwards along the chain;
 * - `time.future`: `validFrom` or `proof.created` lies beyond the report's `now` plus the clock-skew bound.
 *
 * Every record involved is re-validated from its stored bytes (VerifiedRecords), never taken on the index's word;
 * the fork lookup is one range read of the index's `successors` entries (author, previous → records), bounded.
 * A `previous` this node does not hold (or that fails re-validation, reported on its own) is not compared.
 */
import type { ValidRecord } from '../records/types.ts'
import { parseRecordTime } from '../records/time.ts'
import type { Finding } from './verify-codes.ts'
import type { VerifiedRecords } from './verify-records.ts'
import { finding, named, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

export interface ChainOptions {
  /** the time the report is made for, epoch ms */
  now: number
  /** how far past `now` a record's times may lie before they are flagged, ms */
  clockSkew: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The chain and clock findings about `record` (valid, re-validated); `name` is how messages name it */
export async function checkChain (view: VerifyView, records: VerifiedRecords, record: ValidRecord, name: string, o: ChainOptions): Promise<Finding[]> {
  const out: Finding[] = []
  const bound = o.now + o.clockSkew
  const created = parseRecordTime(record.credential.proof.created, 'proof.created')
  if (record.time > bound || created > bound) {
    const [field, at] = record.time > bound ? ['validFrom', record.time] : ['proof.created', created]
    out.push(finding('time.future', record.cid,
      `${name} is dated ${iso(at)} (${field}), more than ${Math.round(o.clockSkew / 1000)} s after the time of the report (${iso(o.now)}): a node holds such a record back until its time comes.`))
  }
  const previous = record.previous
  if (previous == null) return out

  const prior = await records.load(previous)
  if (prior.status === 'valid') {
    const p = prior.record
    if (p.author !== record.author) {
      out.push(finding('chain.foreignPrevious', record.cid,
        `${name} names ${named(p, previous)} as its author's previous record, but that record was signed by ${p.author}, not by ${record.author}: the link is not the author's chain.`, [previous]))
    } else if (record.time < p.time) {
      out.push(finding('chain.backdated', record.cid,
        `${name} is dated ${iso(record.time)}, before its author's previous record ${named(p, previous)} (${iso(p.time)}): time runs backwards along the chain, as when a record is back-dated.`, [previous]))
    }
  }

  // the other records of this author that name the same previous: one range read, then each re-validated
  const others = (await view.successors(record.author, previous)).filter(cid => cid !== record.cid)
  const siblings: string[] = []
  for (const cid of others) {
    const o = await records.load(cid)
    if (o.status === 'valid' && o.record.author === record.author && o.record.previous === previous) siblings.push(cid)
  }
  if (siblings.length > 0) {
    out.push(finding('chain.fork', record.cid,
      `${record.author} signed ${siblings.length + 1} records that each name ${ref(previous)} as their previous record: ${name} and ${siblings.map(ref).join(', ')}. The chain forks here, as it does when a record is back-dated or signed twice.`,
      [previous, ...siblings]))
  }
  return out
}
