/**
 * The governance records of one collective, read once from a set of records: proposals, votes by proposal, receipts
 * by the vote they witness, and the collective's works (for contribution weights). Repeats of a CID count once and
 * every list is in record order (validFrom, then CID), so nothing downstream depends on the order given.
 */
import { byTimeThenCid } from '../collectives/rules.ts'
import type { ValidRecord } from '../records/types.ts'
import type { ProposalRecord, ReceiptRecord, VoteRecord } from './types.ts'

export interface GovernanceRecords {
  /** the charter's CID */
  collective: string
  /** in record order */
  proposals: ProposalRecord[]
  /** proposal CID → its votes, in record order */
  votesByProposal: ReadonlyMap<string, VoteRecord[]>
  /** vote CID → the receipts naming it, in record order */
  receiptsByVote: ReadonlyMap<string, ReceiptRecord[]>
  /** the collective's asset records, in record order */
  assets: Array<ValidRecord<'asset'>>
}

function push<T> (map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/** Index the records of the collective `collective` (the charter CID); records of other collectives are ignored */
export function governanceRecords (collective: string, records: Iterable<ValidRecord>): GovernanceRecords {
  const unique = new Map<string, ValidRecord>()
  for (const record of records) if (record.collective === collective) unique.set(record.cid, record)
  const sorted = [...unique.values()].sort(byTimeThenCid)
  const proposals: ProposalRecord[] = []
  const votesByProposal = new Map<string, VoteRecord[]>()
  const receiptsByVote = new Map<string, ReceiptRecord[]>()
  const assets: Array<ValidRecord<'asset'>> = []
  for (const record of sorted) {
    switch (record.kind) {
      case 'proposal': proposals.push(record as ProposalRecord); break
      case 'vote': push(votesByProposal, (record as VoteRecord).credential.credentialSubject.proposal, record as VoteRecord); break
      case 'receipt':
        for (const vote of (record as ReceiptRecord).credential.credentialSubject.votes) push(receiptsByVote, vote, record as ReceiptRecord)
        break
      case 'asset': assets.push(record as ValidRecord<'asset'>); break
    }
  }
  return { collective, proposals, votesByProposal, receiptsByVote, assets }
}
