/**
 * The ancestor walk every lineage report starts from: a breadth-first walk up the parents of an asset record,
 * reading each level through the view in parallel, visiting every record once (so cycles through content
 * references end the walk instead of looping), and stopping at a depth limit or a node cap.
 */
import { InvalidRequestError, NotFoundError } from '../errors.ts'
import type { RecordSummary } from '../index/types.ts'
import type { Credential } from '../records/types.ts'
import { parentsOfAll, recordsOf, summariesOf } from './view.ts'
import type { LineageParent, LineageView } from './view.ts'

/** One asset record reached by the walk */
export interface WalkNode {
  cid: string
  /** hops from the root on the shortest path (breadth-first) */
  depth: number
  /** the node that first reached this one; undefined for the root */
  via?: string
  /** undefined when the record is not held here */
  summary?: RecordSummary
  /** the asset credential; undefined when the record is not held or is not an asset record */
  credential?: Credential<'asset'>
  /** parents in ingredient order; empty when not held, not an asset, or beyond the depth limit */
  parents: LineageParent[]
  /** true when this node's parents were read (false past the depth limit) */
  expanded: boolean
}

export interface LineageWalk {
  root: string
  /** in breadth-first order, the root first */
  nodes: Map<string, WalkNode>
  /** true when the node cap stopped the walk before every ancestor within the depth limit was reached */
  truncated: boolean
}

export interface WalkOptions {
  /** hops to follow from the root; Infinity for all */
  depth: number
  /** most nodes to collect, the root included */
  maxAssets: number
  signal?: AbortSignal
}

/** `summary()` and `record()` of many nodes, a call of each for all of them; a record that is not an asset gets no
 * credential */
async function readNodes (view: LineageView, cids: string[]): Promise<Array<Pick<WalkNode, 'summary' | 'credential'>>> {
  const [summaries, credentials] = await Promise.all([summariesOf(view, cids), recordsOf(view, cids)])
  return cids.map((_, i) => {
    const summary = summaries[i]
    const credential = credentials[i]
    if (summary == null || credential == null || summary.kind !== 'asset') return { summary }
    return { summary, credential: credential as Credential<'asset'> }
  })
}

/**
 * Walk the ancestors of the asset record `root`. The root must be a held asset record (NotFoundError otherwise).
 * Each level costs one round of view reads, asked for the whole level at once.
 */
export async function walkAncestors (view: LineageView, root: string, options: WalkOptions): Promise<LineageWalk> {
  if (!(options.maxAssets >= 1)) throw new InvalidRequestError('maxAssets must be at least 1', { details: { field: 'maxAssets' } })
  const [first] = await readNodes(view, [root])
  if (first.summary == null) throw new NotFoundError(`asset record ${root} is not held by this node`)
  if (first.credential == null) throw new NotFoundError(`${root} is a ${first.summary.kind} record, not an asset record`)
  const nodes = new Map<string, WalkNode>()
  nodes.set(root, { cid: root, depth: 0, ...first, parents: [], expanded: false })
  let truncated = false
  let level = [nodes.get(root) as WalkNode]
  while (level.length > 0) {
    options.signal?.throwIfAborted()
    const expandable = level.filter(n => n.credential != null && n.depth < options.depth)
    const parentLists = await parentsOfAll(view, expandable.map(n => n.cid))
    const next: WalkNode[] = []
    expandable.forEach((node, i) => {
      node.parents = parentLists[i]
      node.expanded = true
      for (const parent of node.parents) {
        if (nodes.has(parent.cid)) continue
        if (nodes.size >= options.maxAssets) {
          truncated = true
          continue
        }
        const child: WalkNode = { cid: parent.cid, depth: node.depth + 1, via: node.cid, parents: [], expanded: false }
        nodes.set(parent.cid, child)
        next.push(child)
      }
    })
    const read = next.length > 0 ? await readNodes(view, next.map(n => n.cid)) : []
    next.forEach((n, i) => {
      const r = read[i]
      n.summary = r.summary
      if (r.credential != null) n.credential = r.credential
    })
    level = next
  }
  return { root, nodes, truncated }
}

/** The breadth-first path from the root to `cid`, as record CIDs (the root first) */
export function pathTo (walk: LineageWalk, cid: string): string[] {
  const path: string[] = []
  let at: string | undefined = cid
  while (at != null) {
    path.push(at)
    at = walk.nodes.get(at)?.via
  }
  return path.reverse()
}
