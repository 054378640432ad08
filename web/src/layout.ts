/**
 * Where the lineage graph puts its nodes: in generations, every work one row below the lowest of its parents, so
 * each edge points down; within a row, works sit under the middle of their parents so edges stay short. Loops
 * (which the records can describe, and the report flags) are cut where they close.
 */

export interface Position { x: number, y: number }

/** Horizontal and vertical distance between nodes, in graph units (Cytoscape zooms the whole) */
export const COLUMN_GAP = 190
export const ROW_GAP = 150

/** Generation of each node: 0 for a node without parents, else one more than its lowest placed parent */
export function generations (nodes: string[], edges: Array<{ parent: string, child: string }>): Map<string, number> {
  const known = new Set(nodes)
  const children = new Map<string, string[]>()
  const parents = new Map<string, string[]>()
  const waiting = new Map<string, number>(nodes.map(n => [n, 0]))
  for (const { parent, child } of edges) {
    if (!known.has(parent) || !known.has(child) || parent === child) continue
    children.set(parent, [...(children.get(parent) ?? []), child])
    parents.set(child, [...(parents.get(child) ?? []), parent])
    waiting.set(child, (waiting.get(child) ?? 0) + 1)
  }
  const gen = new Map<string, number>()
  const queue = nodes.filter(n => waiting.get(n) === 0)
  for (const n of queue) gen.set(n, 0)
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]
    for (const c of children.get(n) ?? []) {
      gen.set(c, Math.max(gen.get(c) ?? 0, gen.get(n)! + 1))
      const left = waiting.get(c)! - 1
      waiting.set(c, left)
      if (left === 0) queue.push(c)
    }
  }
  // nodes on a loop never reach zero waiting parents: place them under the parents that were placed
  const done = new Set(queue)
  for (const n of nodes) {
    if (done.has(n)) continue
    const placed = (parents.get(n) ?? []).filter(p => done.has(p)).map(p => gen.get(p)!)
    gen.set(n, placed.length > 0 ? Math.max(...placed) + 1 : 0)
  }
  return gen
}

/** Positions for every node: rows by generation, each row centred, children under their parents' mean */
export function layeredPositions (nodes: string[], edges: Array<{ parent: string, child: string }>): Map<string, Position> {
  const gen = generations(nodes, edges)
  const rows = new Map<number, string[]>()
  for (const n of nodes) rows.set(gen.get(n)!, [...(rows.get(gen.get(n)!) ?? []), n])
  const parentsOf = new Map<string, string[]>()
  for (const { parent, child } of edges) parentsOf.set(child, [...(parentsOf.get(child) ?? []), parent])

  const out = new Map<string, Position>()
  for (const g of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(g)!
    const wanted = new Map(row.map((n, i) => {
      const xs = (parentsOf.get(n) ?? []).map(p => out.get(p)?.x).filter((x): x is number => x != null)
      return [n, xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : i * COLUMN_GAP] as const
    }))
    const sorted = [...row].sort((a, b) => wanted.get(a)! - wanted.get(b)!)
    const centre = sorted.reduce((sum, n) => sum + wanted.get(n)!, 0) / sorted.length
    sorted.forEach((n, i) => { out.set(n, { x: centre + (i - (sorted.length - 1) / 2) * COLUMN_GAP, y: g * ROW_GAP }) })
  }
  return out
}
