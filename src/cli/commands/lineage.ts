/** `atelier lineage <asset-record>`: an asset's ancestors and/or descendants (GET /v1/assets/<cid>/lineage) */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { authorNames, namer } from '../names.ts'
import type { Who } from '../names.ts'

export interface LineageNode {
  cid: string
  title?: string
  author?: string
  /** the author's display name, when it has a profile */
  authorName?: string
  content?: string
  depth: number
  present?: boolean
}

export interface LineageEdge {
  /** child asset record */
  from: string
  /** parent asset record */
  to: string
  relationship?: string
}

export interface Lineage {
  root: string
  direction: 'ancestors' | 'descendants' | 'both'
  nodes: LineageNode[]
  edges: LineageEdge[]
}

interface LineagePage {
  root: string
  nodes: LineageNode[]
  edges: LineageEdge[]
  cursor: string | null
}

interface LineageOptions {
  ancestors?: boolean
  descendants?: boolean
  both?: boolean
  depth?: number
  limit?: number
}

/** Pages are merged into one graph; more than this many nodes is cut short */
const MAX_NODES = 100_000

const BRANCH = '├── '
const LAST = '└── '
const PIPE = '│   '
const SPACE = '    '

/** The graph as an indented tree from the root, parents or children as `side` says; shared nodes expand once */
export function lineageTree (g: Lineage, side: 'ancestors' | 'descendants', who: Who = namer(authorNames(g.nodes))): string[] {
  const byCid = new Map(g.nodes.map(n => [n.cid, n]))
  const next = new Map<string, Array<{ cid: string, relationship?: string }>>()
  for (const e of g.edges) {
    const [a, b] = side === 'ancestors' ? [e.from, e.to] : [e.to, e.from]
    let list = next.get(a)
    if (list == null) next.set(a, (list = []))
    if (!list.some(x => x.cid === b)) list.push({ cid: b, relationship: e.relationship })
  }
  const label = (cid: string, relationship?: string): string => {
    const n = byCid.get(cid)
    const title = n?.title != null ? `"${n.title}"` : n?.present === false || n == null ? '(record not held here)' : '(untitled)'
    const by = n?.author != null ? ` by ${who(n.author)}` : ''
    return `${title} ${cid}${by}${relationship != null ? ` [${relationship}]` : ''}`
  }
  const lines = [label(g.root)]
  const expanded = new Set<string>([g.root])
  const walk = (cid: string, prefix: string, path: Set<string>): void => {
    const kids = next.get(cid) ?? []
    kids.forEach((k, i) => {
      const last = i === kids.length - 1
      const repeat = expanded.has(k.cid) && (next.get(k.cid)?.length ?? 0) > 0
      const cycle = path.has(k.cid)
      lines.push(prefix + (last ? LAST : BRANCH) + label(k.cid, k.relationship) + (cycle ? ' (cycle)' : repeat ? ' (see above)' : ''))
      if (cycle || repeat) return
      expanded.add(k.cid)
      walk(k.cid, prefix + (last ? SPACE : PIPE), new Set([...path, k.cid]))
    })
  }
  walk(g.root, '', new Set([g.root]))
  if (lines.length === 1) lines.push(side === 'ancestors' ? '(no known ancestors)' : '(no known descendants)')
  return lines
}

function renderLineage (g: Lineage, who: Who): string[] {
  if (g.direction !== 'both') return lineageTree(g, g.direction, who)
  return ['ancestors', ...lineageTree(g, 'ancestors', who), '', 'descendants', ...lineageTree(g, 'descendants', who)]
}

export const lineage: CliCommand<LineageOptions> = {
  name: 'lineage',
  summary: 'show an asset\'s ancestors and/or descendants as a tree',
  description: 'Walk the provenance graph of an asset record: the assets it derives from (--ancestors, the default),\n' +
    'the assets derived from it (--descendants), or both. --json prints { root, direction, nodes, edges }\n' +
    'with every page merged; edges go from child to parent.',
  examples: ['atelier lineage bagaaiera…', 'atelier lineage bagaaiera… --descendants --depth 3', 'atelier lineage bagaaiera… --both --json'],
  setup (cmd) {
    cmd
      .argument('<asset-record>', 'the asset record CID', parse.cid)
      .addOption(new Option('--ancestors', 'what it derives from (default)').conflicts(['descendants', 'both']))
      .addOption(new Option('--descendants', 'what derives from it').conflicts(['ancestors', 'both']))
      .addOption(new Option('--both', 'ancestors and descendants').conflicts(['ancestors', 'descendants']))
      .addOption(new Option('--depth <n>', 'hops from the asset (default: the daemon\'s, 10)').argParser(parse.integer(1, 100)))
      .addOption(new Option('--limit <n>', 'nodes per request page').argParser(parse.integer(1, 5000)))
  },
  async run (ctx, [asset], opts) {
    const direction = opts.both === true ? 'both' : opts.descendants === true ? 'descendants' : 'ancestors'
    const client = await ctx.client()
    const graph: Lineage = { root: asset, direction, nodes: [], edges: [] }
    const seenNodes = new Set<string>()
    const seenEdges = new Set<string>()
    const seenCursors = new Set<string>()
    let cursor: string | null | undefined
    do {
      const page = await client.getJson<LineagePage>(`/v1/assets/${encodeURIComponent(asset)}/lineage`, {
        direction, depth: opts.depth, limit: opts.limit, cursor: cursor ?? undefined
      })
      graph.root = page.root ?? asset
      for (const n of page.nodes ?? []) {
        if (!seenNodes.has(n.cid)) { seenNodes.add(n.cid); graph.nodes.push(n) }
      }
      for (const e of page.edges ?? []) {
        const key = `${e.from} ${e.to} ${e.relationship ?? ''}`
        if (!seenEdges.has(key)) { seenEdges.add(key); graph.edges.push(e) }
      }
      cursor = page.cursor
      if (cursor != null && seenCursors.has(cursor)) break
      if (cursor != null) seenCursors.add(cursor)
    } while (cursor != null && graph.nodes.length < MAX_NODES)
    return single(graph, g => renderLineage(g, namer(authorNames(g.nodes), ctx.dids)))
  }
}
