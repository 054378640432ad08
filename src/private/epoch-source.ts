/**
 * What content encryption (issue 14 deliverable 3) needs from the key records: the epoch keys this node holds, per
 * collective. The node's implementation (src/node/epoch-keys-service.ts) derives them from the collective's key
 * records (protocols/private-collectives.md §6) and the node's own seed; this interface keeps src/private free of
 * the node.
 */
export interface EpochKeySource {
  /** The newest epoch whose key this node holds, and that key; undefined when not a member of a private collective */
  current: (collective: string) => { epoch: number, key: Uint8Array } | undefined
  /** The key of `epoch`, when this node was wrapped it; undefined otherwise */
  key: (collective: string, epoch: number) => Uint8Array | undefined
  /** Whether the collective's charter says `visibility: "private"` */
  isPrivate: (collective: string) => boolean
}
