/**
 * What the gateway receives from the node: collaborators, never the node itself.
 */
import type { Logger } from 'pino'
import type { RecordService } from '../node/record-service.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { NodeMetrics } from '../node/metrics.ts'
import type { HttpConfig } from '../config.ts'

export interface NodeInfo {
  peerId: string
  did: string
  addresses: string[]
  gatewayUrl: string
  version: string
  records: number
  storage: { blocks: number, bytes: number }
}

export interface GatewayComponents {
  records: RecordService
  index: RecordIndexApi
  store: ContentStore
  metrics: NodeMetrics
  logger: Logger
  apiToken: string
  /** the node's did:key, the default creator of what it issues */
  did: string
  nodeInfo: () => Promise<NodeInfo>
  /** rebuild the index from the record blocks */
  reindex: () => Promise<{ records: number, ms: number }>
}

export type GatewayInit = HttpConfig
