/**
 * `lineage()`: a breadth-first walk over the lineage edges from a root asset record.
 *
 * - Ancestors follow `parents` (child cid → its ingredient references, one value per child, so a whole BFS level
 *   costs one `getMany`); a content-level reference resolves to every asset record of that content.
 * - Descendants follow `children` (parent cid → children, a key range per node), and for content-level
 *   references the children of the node's content CID.
 * - Every node is visited once (a visited set), so cycles, possible through content references or hostile
 *   records, end the walk instead of looping. A parent referenced but not held is a node with `present: false`.
 * - The walk is deterministic (ingredient order, then key order), so a page is the slice [skip, skip + limit) of
 *   the visit order, and the cursor holds `skip`. Each edge is listed on the page of the later of its two nodes in
 *   visit order, so every edge appears exactly once over all pages.
 */
import { InvalidRequestError } from '../errors.ts'
import type { Relationship } from '../records/types.ts'
import type { Lineage, LineageDirection, LineageEdge, LineageNode, LineageQuery, RecordSummary } from './types.ts'
import type { Sublevel, Sublevels } from './sublevels.ts'
import type { ParentRef } from './entries.ts'
import { decodeSummary } from './entries.ts'
import {
  DEFAULT_LINEAGE_DEPTH, DEFAULT_LINEAGE_LIMIT, MAX_CONTENT_MATCHES, MAX_LINEAGE_DEPTH, MAX_LINEAGE_LIMIT
} from './constants.ts'
import { positionCid, SEP, SEP_END } from './keys.ts'

type Side = LineageNode['side']

interface Visit {
  cid: string
  side: Side
  depth: number
}

interface LineageCursor {
  root: string
  direction: LineageDirection
  depth: number
  skip: number
}

function encodeLineageCursor (c: LineageCursor): string {
  return Buffer.from(JSON.stringify([1, c.root, c.direction, c.depth, c.skip]), 'utf8').toString('base64url')
}

function decodeLineageCursor (cursor: string, expect: Omit<LineageCursor, 'skip'>): number {
  let parsed: unknown
  try {
    parsed = /^[A-Za-z0-9_-]{1,2048}$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined
  } catch {}
  if (!Array.isArray(parsed) || parsed.length !== 5 || parsed[0] !== 1 || !Number.isSafeInteger(parsed[4]) || parsed[4] < 1) {
    throw new InvalidRequestError('cursor is not valid: pass back the cursor of the previous page unchanged', { details: { field: 'cursor' } })
  }
  if (parsed[1] !== expect.root || parsed[2] !== expect.direction || parsed[3] !== expect.depth) {
    throw new InvalidRequestError('cursor belongs to another lineage query (root, direction or depth differ)', { details: { field: 'cursor' } })
  }
  return parsed[4]
}

function intParam (value: number | undefined, fallback: number, max: number, min: number, field: string): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min) {
    throw new InvalidRequestError(`${field} must be an integer >= ${min}`, { details: { field } })
  }
  return Math.min(v, max)
}

/** Neighbours found by expanding one node, in a stable order */
interface Step {
  to: string
  /** the edge, child → parent */
  edge: LineageEdge
}

async function contentRecords (subs: Sublevels, content: string): Promise<string[]> {
  const keys = await subs.content.keys({ gte: content + SEP, lt: content + SEP_END, limit: MAX_CONTENT_MATCHES }).all()
  return keys.map(k => positionCid(k.slice(content.length + 1)))
}

/** Keys under `prefix` (which ends with SEP) */
async function keysUnder (sub: Sublevel, prefix: string): Promise<string[]> {
  return sub.keys({ gte: prefix, lt: prefix.slice(0, -1) + SEP_END }).all()
}

/** Parents of each node (ancestor side): one getMany for the level, plus one range per content reference */
async function expandUp (subs: Sublevels, cids: string[]): Promise<Step[][]> {
  if (cids.length === 0) return []
  const values = await subs.parents.getMany(cids)
  return Promise.all(values.map(async (text, i) => {
    if (text == null) return []
    const child = cids[i]
    const refs = JSON.parse(text) as ParentRef[]
    const steps: Step[] = []
    for (const [by, ref, relationship] of refs) {
      const targets = by === 'r' ? [ref] : await contentRecords(subs, ref)
      for (const to of targets) steps.push({ to, edge: { from: child, to, relationship } })
    }
    return steps
  }))
}

/**
 * Children of each node (descendant side): by record CID, then by the node's content CID. One getMany of the
 * "has children" markers first, so only nodes that have children cost a range read (most nodes are leaves).
 */
async function expandDown (subs: Sublevels, cids: string[], summaries: Map<string, RecordSummary | undefined>): Promise<Step[][]> {
  const refs: string[] = []
  const owner: number[] = []
  cids.forEach((cid, n) => {
    refs.push('r' + SEP + cid)
    owner.push(n)
    const content = summaries.get(cid)?.content
    if (content != null) {
      refs.push('c' + SEP + content)
      owner.push(n)
    }
  })
  const markers = refs.length > 0 ? await subs.children.getMany(refs) : []
  const found = await Promise.all(refs.map(async (ref, p) => markers[p] == null ? [] : keysUnder(subs.children, ref + SEP)))
  const steps: Step[][] = cids.map(() => [])
  found.forEach((keys, p) => {
    const parent = cids[owner[p]]
    const skip = refs[p].length + 1
    for (const k of keys) {
      const rest = k.slice(skip)
      const cut = rest.indexOf(SEP)
      const child = rest.slice(0, cut)
      steps[owner[p]].push({ to: child, edge: { from: child, to: parent, relationship: rest.slice(cut + 1) as Relationship } })
    }
  })
  return steps
}

export async function runLineage (subs: Sublevels, root: string, q: LineageQuery = {}): Promise<Lineage> {
  if (typeof root !== 'string' || root === '' || root.includes(SEP)) {
    throw new InvalidRequestError('root must be a record CID', { details: { field: 'root' } })
  }
  const direction = q.direction ?? 'ancestors'
  if (direction !== 'ancestors' && direction !== 'descendants' && direction !== 'both') {
    throw new InvalidRequestError('direction must be ancestors, descendants or both', { details: { field: 'direction' } })
  }
  const maxDepth = intParam(q.depth, DEFAULT_LINEAGE_DEPTH, MAX_LINEAGE_DEPTH, 0, 'depth')
  const limit = intParam(q.limit, DEFAULT_LINEAGE_LIMIT, MAX_LINEAGE_LIMIT, 1, 'limit')
  const skip = q.cursor != null ? decodeLineageCursor(q.cursor, { root, direction, depth: maxDepth }) : 0
  const end = skip + limit
  const up = direction !== 'descendants'
  const down = direction !== 'ancestors'

  const order: Visit[] = [{ cid: root, side: 'root', depth: 0 }]
  const index = new Map<string, number>([[root, 0]])
  const edges: LineageEdge[] = []
  const edgeSeen = new Set<string>()
  const summaries = new Map<string, RecordSummary | undefined>()

  let levelStart = 0
  while (levelStart < order.length && levelStart < end) {
    const levelEnd = order.length
    const stop = Math.min(levelEnd, end)
    const expandable = order[levelStart].depth < maxDepth
    const upCids: number[] = []
    const downCids: number[] = []
    const need: string[] = []
    for (let i = levelStart; i < stop; i++) {
      const v = order[i]
      if (i >= skip) need.push(v.cid)
      if (!expandable) continue
      if (up && v.side !== 'descendant') upCids.push(i)
      if (down && v.side !== 'ancestor') {
        downCids.push(i)
        if (i < skip) need.push(v.cid)
      }
    }
    // summaries: for the nodes of this page, and for descendant-side nodes (their content CID links children)
    const [values, upSteps] = await Promise.all([
      need.length > 0 ? subs.summary.getMany(need) : [],
      expandUp(subs, upCids.map(i => order[i].cid))
    ])
    for (let i = 0; i < need.length; i++) {
      const text = values[i]
      summaries.set(need[i], text == null ? undefined : decodeSummary(need[i], text))
    }
    const downSteps = downCids.length > 0 ? await expandDown(subs, downCids.map(i => order[i].cid), summaries) : []

    // visit in node order; a node on both sides (root) goes up first, then down
    const stepsOf = new Map<number, Array<{ steps: Step[], side: Side }>>()
    upCids.forEach((i, n) => { stepsOf.set(i, [{ steps: upSteps[n], side: 'ancestor' }]) })
    downCids.forEach((i, n) => {
      const list = stepsOf.get(i) ?? []
      list.push({ steps: downSteps[n], side: 'descendant' })
      stepsOf.set(i, list)
    })
    for (let i = levelStart; i < stop; i++) {
      const list = stepsOf.get(i)
      if (list == null) continue
      for (const { steps, side } of list) {
        for (const step of steps) {
          if (step.to === order[i].cid) continue // a record naming its own content as an ingredient
          let at = index.get(step.to)
          if (at == null) {
            at = order.length
            index.set(step.to, at)
            order.push({ cid: step.to, side, depth: order[i].depth + 1 })
          }
          const page = at > i ? at : i
          if (page < skip || page >= end) continue
          const key = step.edge.from + SEP + step.edge.to + SEP + step.edge.relationship
          if (edgeSeen.has(key)) continue
          edgeSeen.add(key)
          edges.push(step.edge)
        }
      }
    }
    levelStart = levelEnd
  }

  const nodes: LineageNode[] = []
  for (let i = skip; i < Math.min(end, order.length); i++) {
    const v = order[i]
    const s = summaries.get(v.cid)
    const node: LineageNode = { cid: v.cid, depth: v.depth, side: v.side, present: s != null }
    if (s?.title != null) node.title = s.title
    if (s != null) node.author = s.author
    if (s?.content != null) node.content = s.content
    nodes.push(node)
  }
  const cursor = order.length > end ? encodeLineageCursor({ root, direction, depth: maxDepth, skip: end }) : null
  return { root, nodes, edges, cursor }
}
