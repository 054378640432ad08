/**
 * Shapes of the gateway's answers the page reads (docs/http-api.md and /openapi.json are the reference).
 */
import type { Credential, RecordKind } from '../../src/records/index.ts'

export interface NodeInfo {
  peerId: string
  did: string
  addresses: string[]
  gatewayUrl: string
  version: string
  records: number
  storage: { blocks?: number, bytes?: number }
}

export interface Peer {
  peerId: string
  addresses: string[]
  source: string
  connected: boolean
  failures: number
  lastSeen?: number
  nextAttempt?: number
  score?: number
}

export interface Collective {
  id: string
  name: string
  admins: string[]
  policy: string
  quorum: number
  /** 'full', 'none', or k copies of each work (charter version 2) */
  replication?: string | { copies: number }
  members: string[]
  joined?: boolean
  member?: boolean
}

export interface CollectiveMembers {
  id: string
  members: string[]
  admins: string[]
  pending: unknown[]
}

/** One proposal's tally as /v1/collectives/<id>/proposals answers it (the node's count) */
export interface ProposalTally {
  proposal: string
  title: string
  method: string
  choices: string[]
  changes: Array<{ action: string, member?: string, quorum?: number, policy?: string, spdx?: string }>
  closes: number
  totalWeight: number
  turnoutWeight: number
  count: { support: number[], winner?: number }
  outcome: 'passed' | 'rejected' | 'tied' | 'no-quorum' | 'void'
  status: 'open' | 'closed'
}

/** One record as /v1/records answers it */
export interface RecordItem {
  cid: string
  kind: RecordKind
  author: string
  time: string
  collective?: string
  record: Credential
}

/** A search hit (the index's record summary) */
export interface RecordSummary {
  cid: string
  kind: RecordKind
  author: string
  time: string
  collective?: string
  title?: string
  content?: string
  asset?: string
  license?: string
  licensee?: string
  target?: string
  /** present when the summary came from /v1/records (the fallback), which carries the whole record */
  record?: Credential
}

export interface Page<T> {
  items: T[]
  cursor: string | null
}

export interface LineageNode {
  cid: string
  depth: number
  side?: 'root' | 'ancestor' | 'descendant'
  present?: boolean
  title?: string
  author?: string
  content?: string
}

export interface LineageEdge {
  /** the child */
  from: string
  /** the parent */
  to: string
  relationship: string
}

export interface LineageGraph {
  root: string
  nodes: LineageNode[]
  edges: LineageEdge[]
  cursor: string | null
}

export interface RoyaltyReport {
  asset: string
  amount: number
  currency: string
  payees: Array<{ did: string, amount: number, paths: string[][] }>
  assets: Array<{ cid: string, title?: string, basis: string, income: number, paidUp: number, kept: number, policy?: string, rate?: number }>
  truncated?: boolean
}

export type Severity = 'info' | 'warning' | 'error'

export interface Finding {
  code: string
  severity: Severity
  record?: string
  message: string
  related?: string[]
}

export interface ProvenanceReport {
  asset?: string
  verdict: 'verified' | 'warnings' | 'failed'
  checkedAt?: string
  findings: Finding[]
  records?: Array<{ cid: string, depth?: number, present?: boolean, title?: string }>
  counts?: { errors: number, warnings: number, infos: number }
}

/** A `record` server-sent event */
export interface RecordEvent {
  cid: string
  kind: RecordKind
  author: string
  time: string
  collective?: string
  source: string
}
