/**
 * Where a daemon's resident memory goes, by component: read from outside the process (Linux /proc/<pid>/smaps) and
 * from its /metrics (V8's own figures for the main thread and each validation worker, LevelDB's estimate per database).
 *
 * smaps names no owner, so mappings are sorted by what they look like: V8 allocates its heap in 256 KiB pages (every
 * isolate: the main thread's and the workers'), glibc's main arena is `[heap]` and its thread arenas are other
 * anonymous mappings, the rest is files (the node binary, shared libraries). V8 figures then split the V8 pages.
 */
import { readFileSync } from 'node:fs'

export interface MemoryBreakdown {
  /** resident, MiB */
  rss: number
  /** anonymous resident in V8's 256 KiB pages (all isolates) */
  v8Pages: number
  /** glibc's main arena (`[heap]`) */
  mallocMain: number
  /** other anonymous mappings: glibc thread arenas, large mallocs, V8 large objects, thread stacks */
  anonOther: number
  /** file-backed resident (binary, libraries) */
  files: number
  /** main thread's V8 heap: used and total (committed) */
  mainHeapUsed: number
  mainHeapTotal: number
  /** off-heap memory V8 knows of (Buffers, ArrayBuffers) on the main thread */
  external: number
  /** each validation worker's V8 heap: used / total */
  workers: Array<{ used: number, total: number }>
  /** LevelDB's estimate per database */
  leveldb: Record<string, number>
  /** peers with an open connection */
  peers: number
}

const MiB = 1024 * 1024

/** smaps of `pid`, resident kB grouped by kind of mapping */
function smaps (pid: number): { v8Pages: number, mallocMain: number, anonOther: number, files: number } {
  const out = { v8Pages: 0, mallocMain: 0, anonOther: 0, files: 0 }
  let kind: keyof typeof out = 'files'
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head != null) {
      const sizeKiB = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024
      const name = head[3]
      kind = name === '[heap]' ? 'mallocMain' : name.startsWith('/') ? 'files' : name === '' ? (sizeKiB === 256 ? 'v8Pages' : 'anonOther') : 'anonOther'
      continue
    }
    if (line.startsWith('Rss:')) out[kind] += Number(line.split(/\s+/)[1]) / 1024
  }
  return out
}

/** One number of a Prometheus text exposition (the first sample whose line starts with `prefix`) */
function metric (text: string, prefix: string): number {
  const line = text.split('\n').find(l => l.startsWith(prefix))
  return line != null ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN
}

export async function memoryBreakdown (pid: number, url: string): Promise<MemoryBreakdown> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024
  const workers: MemoryBreakdown['workers'] = []
  for (let i = 0; ; i++) {
    const total = metric(text, `atelier_validation_worker_heap_size_total_bytes{worker="${i}"}`)
    if (Number.isNaN(total)) break
    workers.push({ total: total / MiB, used: metric(text, `atelier_validation_worker_heap_size_used_bytes{worker="${i}"}`) / MiB })
  }
  const leveldb: Record<string, number> = {}
  for (const m of text.matchAll(/^atelier_leveldb_memory_bytes\{db="([^"]+)"\} (\S+)/gm)) leveldb[m[1]] = Number(m[2]) / MiB
  return {
    rss,
    ...smaps(pid),
    mainHeapUsed: metric(text, 'atelier_nodejs_heap_size_used_bytes') / MiB,
    mainHeapTotal: metric(text, 'atelier_nodejs_heap_size_total_bytes') / MiB,
    external: metric(text, 'atelier_nodejs_external_memory_bytes') / MiB,
    workers,
    leveldb,
    peers: metric(text, 'atelier_peers_connected')
  }
}

/** One line: every figure in MiB */
export function formatBreakdown (b: MemoryBreakdown): string {
  const r = (x: number): string => String(Math.round(x))
  return `RSS ${r(b.rss)} = V8 pages ${r(b.v8Pages)} (main heap ${r(b.mainHeapUsed)} used of ${r(b.mainHeapTotal)}; workers ${b.workers.map(w => `${r(w.used)} of ${r(w.total)}`).join(', ')}) + malloc main arena ${r(b.mallocMain)} + other anonymous ${r(b.anonOther)} + files ${r(b.files)}; off the V8 heaps: Buffers ${r(b.external)}, LevelDB ${Object.entries(b.leveldb).map(([k, v]) => `${k} ${r(v)}`).join(', ')}; ${b.peers} peers`
}
