/**
 * The node's local discovery graph: creators, works and collectives as dense integer ids, typed weighted edges in
 * growable typed arrays (16 bytes an edge: source, target, weight, type + flags), and a compressed adjacency
 * (CSR, out-edges by source) rebuilt lazily when the edge list changed. Pure and in memory: it never reads the
 * network; `src/node/discovery-service.ts` feeds it from the index and the record events.
 */

export const NODE_CREATOR = 0
export const NODE_WORK = 1
export const NODE_COLLECTIVE = 2
export type NodeType = typeof NODE_CREATOR | typeof NODE_WORK | typeof NODE_COLLECTIVE

/** Edge types. Social: follows and membership (the circle of trust). The rest tie creators and works. */
export const E_FOLLOW = 0 // creator → creator | collective
export const E_MEMBER = 1 // creator ↔ collective (both directions stored)
export const E_ENDORSE = 2 // creator → work
export const E_AUTHOR = 3 // creator ↔ work (both directions stored)
export const E_DERIVES = 4 // child work → parent work (lineage)
export const E_LICENSED = 5 // licensee creator → work (a grant)
export const E_SIMILAR = 6 // work ↔ work (both directions stored)
export const E_IN = 7 // work → collective it was published in
export const E_ENDORSED_BY = 8 // work → creator (the reverse of an endorsement)
export const E_DERIVED_BY = 9 // parent work → child work (the reverse of lineage)
export const E_LICENSED_BY = 10 // work → licensee creator
export const EDGE_TYPES = 11

export const EDGE_NAMES = ['follow', 'member', 'endorse', 'author', 'derives', 'licensed', 'similar', 'in', 'endorsedBy', 'derivedBy', 'licensedBy'] as const

/** Default weight per edge type, before trust (endorsements are weighted by the endorser's trust at rank time) */
export const EDGE_WEIGHT: readonly number[] = [1, 0.5, 1, 1, 0.8, 0.6, 0.7, 0.3, 1, 0.8, 0.6]

/** Edge category: 0 social (the circle of trust), 1 walked (Pixie's graph), 2 other */
export const CATEGORY: readonly number[] = [0, 0, 1, 1, 1, 2, 1, 2, 1, 1, 2]

/**
 * Out-edges by source. A node's edges are grouped by category, so the ranking's inner loops read only the edges
 * they use: social in [start[u], social[u]), walked in [social[u], walked[u]), the rest up to start[u + 1].
 */
export interface Csr {
  /** offsets into `to`, one more than the node count */
  start: Uint32Array
  /** end of each node's social edges */
  social: Uint32Array
  /** end of each node's walked edges */
  walked: Uint32Array
  to: Uint32Array
  weight: Float32Array
  type: Uint8Array
  /** running sum of walked edges' weights within each node's walked range (a walk step is a binary search) */
  cum: Float32Array
}

const DEAD = 0x80

export class DiscoveryGraph {
  private readonly ids = new Map<string, number>()
  private names: string[] = []
  nodeType = new Uint8Array(1024)
  /** a work's time (epoch ms); 0 for others */
  time = new Float64Array(1024)
  /** work flags: bit 0 = flagged as a possible unattributed derivative */
  flags = new Uint8Array(1024)
  /** a work's media class (index into `mediaClasses`), 255 none */
  media = new Uint8Array(1024).fill(255)
  readonly mediaClasses: string[] = []
  /** a work's collective node id + 1 (0 none) */
  collectiveOf = new Uint32Array(1024)

  private src = new Uint32Array(4096)
  private dst = new Uint32Array(4096)
  private w = new Float32Array(4096)
  private t = new Uint8Array(4096)
  private edgeCount = 0
  private liveEdges = 0
  /** edges added by a record, so its revocation or retirement removes them */
  private readonly byRecord = new Map<string, number[]>()
  /** edge key (src, dst, type as one number: ids below 2^26) → index, so a repeated edge is counted once */
  private readonly edgeKeys = new Map<number, number>()
  private csr: Csr | undefined

  get nodeCount (): number { return this.names.length }
  get edgeTotal (): number { return this.liveEdges }

  /** Bytes held by the typed arrays (edges and nodes) */
  get typedBytes (): number {
    return this.src.byteLength + this.dst.byteLength + this.w.byteLength + this.t.byteLength +
      this.nodeType.byteLength + this.time.byteLength + this.flags.byteLength + this.media.byteLength + this.collectiveOf.byteLength +
      (this.csr == null ? 0 : this.csr.start.byteLength + this.csr.social.byteLength + this.csr.walked.byteLength +
        this.csr.to.byteLength + this.csr.weight.byteLength + this.csr.type.byteLength + this.csr.cum.byteLength)
  }

  id (key: string): number | undefined { return this.ids.get(key) }
  key (id: number): string { return this.names[id] as string }

  /** The node of `key`, created with `type` when new */
  node (key: string, type: NodeType): number {
    let id = this.ids.get(key)
    if (id !== undefined) return id
    id = this.names.length
    if (id >= this.nodeType.length) this.growNodes(id * 2)
    this.ids.set(key, id)
    this.names.push(key)
    this.nodeType[id] = type
    this.csr = undefined
    return id
  }

  setWork (id: number, time: number, mediaType: string | undefined, collective: number | undefined): void {
    this.time[id] = time
    if (mediaType != null) {
      const cls = mediaType.split('/')[0] as string
      let m = this.mediaClasses.indexOf(cls)
      if (m === -1 && this.mediaClasses.length < 254) { this.mediaClasses.push(cls); m = this.mediaClasses.length - 1 }
      if (m !== -1) this.media[id] = m
    }
    if (collective !== undefined) this.collectiveOf[id] = collective + 1
  }

  flag (id: number, on: boolean): void { this.flags[id] = on ? (this.flags[id] as number) | 1 : (this.flags[id] as number) & ~1 }

  /** Add an edge (once per source, target and type), remembered under `record` when given */
  addEdge (from: number, to: number, type: number, weight: number = EDGE_WEIGHT[type] as number, record?: string): void {
    const k = (from * 67108864 + to) * 8 + type
    let e = this.edgeKeys.get(k)
    if (e === undefined) {
      e = this.edgeCount
      if (e >= this.src.length) this.growEdges(e * 2)
      this.src[e] = from; this.dst[e] = to; this.w[e] = weight; this.t[e] = type
      this.edgeCount++
      this.liveEdges++
      this.edgeKeys.set(k, e)
      this.csr = undefined
    } else if (((this.t[e] as number) & DEAD) !== 0) {
      this.t[e] = type; this.w[e] = weight; this.liveEdges++; this.csr = undefined
    }
    if (record != null) {
      const list = this.byRecord.get(record)
      if (list == null) this.byRecord.set(record, [e]); else list.push(e)
    }
  }

  /** An edge and its reverse (of `back` type), both remembered under `record` */
  link (from: number, to: number, type: number, back: number, record?: string, weight?: number): void {
    this.addEdge(from, to, type, weight, record)
    this.addEdge(to, from, back, weight, record)
  }

  /** Remove the edges a record added (its revocation or retirement) */
  removeRecord (record: string): boolean {
    const list = this.byRecord.get(record)
    if (list == null) return false
    this.byRecord.delete(record)
    for (const e of list) {
      if (((this.t[e] as number) & DEAD) === 0) { this.t[e] = (this.t[e] as number) | DEAD; this.liveEdges--; this.csr = undefined }
    }
    return true
  }

  /** Out-edges by source grouped by category, rebuilt when the edges changed (one counting pass, one placing pass) */
  adjacency (): Csr {
    if (this.csr != null) return this.csr
    const n = this.names.length
    const count = new Uint32Array(3 * n) // per node and category
    const m = this.edgeCount
    for (let e = 0; e < m; e++) {
      const ty = this.t[e] as number
      if ((ty & DEAD) === 0) { const i = 3 * (this.src[e] as number) + (CATEGORY[ty] as number); count[i] = (count[i] as number) + 1 }
    }
    const start = new Uint32Array(n + 1)
    const social = new Uint32Array(n)
    const walked = new Uint32Array(n)
    const fill = new Uint32Array(3 * n)
    let at = 0
    for (let u = 0; u < n; u++) {
      start[u] = at
      fill[3 * u] = at; at += count[3 * u] as number; social[u] = at
      fill[3 * u + 1] = at; at += count[3 * u + 1] as number; walked[u] = at
      fill[3 * u + 2] = at; at += count[3 * u + 2] as number
    }
    start[n] = at
    const to = new Uint32Array(at)
    const weight = new Float32Array(at)
    const type = new Uint8Array(at)
    for (let e = 0; e < m; e++) {
      const ty = this.t[e] as number
      if ((ty & DEAD) !== 0) continue
      const i = 3 * (this.src[e] as number) + (CATEGORY[ty] as number)
      const k = fill[i] as number
      fill[i] = k + 1
      to[k] = this.dst[e] as number; weight[k] = this.w[e] as number; type[k] = ty
    }
    const cum = new Float32Array(at)
    for (let u = 0; u < n; u++) {
      let sum = 0
      for (let i = social[u] as number; i < (walked[u] as number); i++) { sum += weight[i] as number; cum[i] = sum }
    }
    this.csr = { start, social, walked, to, weight, type, cum }
    return this.csr
  }

  /** Every live edge, for tests and the bench's plain pass */
  edgeArrays (): { src: Uint32Array, dst: Uint32Array, type: Uint8Array, count: number } {
    return { src: this.src, dst: this.dst, type: this.t, count: this.edgeCount }
  }

  clear (): void {
    this.ids.clear(); this.names = []; this.byRecord.clear(); this.edgeKeys.clear()
    this.edgeCount = 0; this.liveEdges = 0; this.csr = undefined
    this.nodeType.fill(0); this.time.fill(0); this.flags.fill(0); this.media.fill(255); this.collectiveOf.fill(0)
  }

  private growNodes (size: number): void {
    const grow = <T extends Uint8Array | Float64Array | Uint32Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size)
      if (fill !== undefined) b.fill(fill)
      b.set(a)
      return b
    }
    this.nodeType = grow(this.nodeType); this.time = grow(this.time); this.flags = grow(this.flags)
    this.media = grow(this.media, 255); this.collectiveOf = grow(this.collectiveOf)
  }

  private growEdges (size: number): void {
    const s = new Uint32Array(size); s.set(this.src); this.src = s
    const d = new Uint32Array(size); d.set(this.dst); this.dst = d
    const w = new Float32Array(size); w.set(this.w); this.w = w
    const t = new Uint8Array(size); t.set(this.t); this.t = t
  }
}
