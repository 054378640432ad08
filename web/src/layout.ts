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

/** A link to draw: `source` is the derivative, `target` its parent (as the graph draws them) */
export interface EdgeToBend { id: string, source: string, target: string, label: string }

/** Sizes the bends are computed for, in graph units: a node's picture, its title below it, an edge label's text */
export interface BendSizes {
  node: number
  /** gap between the picture and its title, width of one character of a title, a title's line height and widest line */
  titleGap: number
  titleChar: number
  titleLine: number
  titleMaxWidth: number
  /** width of one character of an edge label, and the label's height */
  labelChar: number
  labelHeight: number
}

interface Rect { x1: number, y1: number, x2: number, y2: number }
const hits = (a: Rect, b: Rect): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2

/** Bends tried, in graph units, smallest first; sign as Cytoscape's control-point-distances */
const BENDS = [0, 70, -70, 140, -140, 210, -210, 280, -280]

/**
 * How far to bend each link so that neither its line nor its label runs over a work other than its own two, and
 * its label sits clear of the other links' labels: a link that skips a generation would otherwise pass straight
 * behind the work in between, its label hidden under that picture. The distance is Cytoscape's
 * `control-point-distances` for one control point halfway (perpendicular to source → target, positive to the
 * side of (-dy, dx)); the label then sits half that far off the straight line. 0 keeps the link straight.
 */
export function edgeBends (positions: Map<string, Position>, titles: Map<string, string>, edges: EdgeToBend[], size: BendSizes): Map<string, number> {
  const half = size.node / 2
  const works: Array<{ id: string, rects: Rect[] }> = [...positions].map(([id, p]) => {
    const wide = (titles.get(id) ?? '').length * size.titleChar
    const lines = Math.max(1, Math.ceil(wide / size.titleMaxWidth))
    const titleHalf = Math.min(wide, size.titleMaxWidth) / 2
    return {
      id,
      rects: [
        { x1: p.x - half, y1: p.y - half, x2: p.x + half, y2: p.y + half },
        { x1: p.x - titleHalf, y1: p.y + half, x2: p.x + titleHalf, y2: p.y + half + size.titleGap + lines * size.titleLine }
      ]
    }
  })
  const placed: Rect[] = []
  const out = new Map<string, number>()
  for (const e of edges) {
    const s = positions.get(e.source)
    const t = positions.get(e.target)
    if (s == null || t == null) continue
    const len = Math.hypot(t.x - s.x, t.y - s.y) || 1
    const n = { x: -(t.y - s.y) / len, y: (t.x - s.x) / len }
    const mid = { x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 }
    const others = works.filter(w => w.id !== e.source && w.id !== e.target).flatMap(w => w.rects)
    const labelHalf = { x: (e.label.length * size.labelChar) / 2 + 4, y: size.labelHeight / 2 + 2 }
    let best = { bend: 0, clashes: Infinity }
    for (const bend of BENDS) {
      const c = { x: mid.x + n.x * bend, y: mid.y + n.y * bend }
      const at = (u: number): Position => ({
        x: (1 - u) * (1 - u) * s.x + 2 * u * (1 - u) * c.x + u * u * t.x,
        y: (1 - u) * (1 - u) * s.y + 2 * u * (1 - u) * c.y + u * u * t.y
      })
      const m = at(0.5)
      const label = { x1: m.x - labelHalf.x, y1: m.y - labelHalf.y, x2: m.x + labelHalf.x, y2: m.y + labelHalf.y }
      let clashes = others.filter(r => hits(label, r)).length * 10 + placed.filter(r => hits(label, r)).length * 10
      for (let i = 1; i < 20; i++) {
        const p = at(i / 20)
        if (others.some(r => p.x > r.x1 && p.x < r.x2 && p.y > r.y1 && p.y < r.y2)) clashes++
      }
      if (clashes < best.clashes) best = { bend, clashes }
      if (clashes === 0) break
    }
    out.set(e.id, best.bend)
    const c = { x: mid.x + n.x * best.bend, y: mid.y + n.y * best.bend }
    const m = { x: (s.x + 2 * c.x + t.x) / 4, y: (s.y + 2 * c.y + t.y) / 4 }
    placed.push({ x1: m.x - labelHalf.x, y1: m.y - labelHalf.y, x2: m.x + labelHalf.x, y2: m.y + labelHalf.y })
  }
  return out
}
