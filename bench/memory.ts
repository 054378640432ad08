/**
 * Where a daemon's resident memory goes, by component: read from outside the process (Linux /proc/<pid>/smaps) and
 * from its /metrics (V8's own figures for the main thread and each validation worker, LevelDB's estimate per database).
 *
 * Resident memory splits into files (the node binary, shared libraries) and anonymous memory; of the anonymous part,
 * V8 reports what its heaps committed, and the rest is native: glibc's arenas (`[heap]` is the main one), Buffers,
 * LevelDB's memtables and cache, libuv and OpenSSL, thread stacks.
 */
import { readFileSync } from 'node:fs'

export interface MemoryBreakdown {
  /** resident, MiB */
  rss: number
  /** anonymous resident (everything but files) */
  anon: number
  /** glibc's main arena (`[heap]`), part of anon */
  mallocMain: number
  /** file-backed resident (the node binary, shared libraries) */
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

/**
 * Resident memory of `pid` by kind of mapping, MiB. smaps names no owner, and the kernel merges neighbouring anonymous
 * mappings, so V8's pages cannot be told from malloc's by their look: V8's own figures split the anonymous part.
 */
function smaps (pid: number): { anon: number, mallocMain: number, files: number } {
  const out = { anon: 0, mallocMain: 0, files: 0 }
  let kind: 'anon' | 'files' = 'files'
  let main = false
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head != null) {
      kind = head[1].startsWith('/') ? 'files' : 'anon'
      main = head[1] === '[heap]'
      continue
    }
    if (!line.startsWith('Rss:')) continue
    const mib = Number(line.split(/\s+/)[1]) / 1024
    out[kind] += mib
    if (main) out.mallocMain += mib
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
  const workers = b.workers.reduce((sum, w) => sum + w.total, 0)
  const rest = b.anon - b.mainHeapTotal - workers
  return `RSS ${r(b.rss)} = files ${r(b.files)} + anonymous ${r(b.anon)}: main V8 heap ${r(b.mainHeapTotal)} (${r(b.mainHeapUsed)} used), ` +
    `worker heaps ${b.workers.map(w => `${r(w.total)} (${r(w.used)})`).join(' + ')}, the rest ${r(rest)} (malloc main arena ${r(b.mallocMain)}; ` +
    `Buffers ${r(b.external)}, LevelDB ${Object.entries(b.leveldb).map(([k, v]) => `${k} ${r(v)}`).join(' / ')}); ${b.peers} peers`
}

/** A Markdown table of breakdowns, one row each, MiB */
export function breakdownTable (rows: Array<{ at: string, b: MemoryBreakdown }>): string {
  const r = (x: number): string => String(Math.round(x))
  const head = '| when | RSS | files | anonymous | main V8 heap committed (used) | worker heaps committed (used) | rest of anonymous | of it: malloc main arena | Buffers | LevelDB (index / state / datastore) |\n|---|---|---|---|---|---|---|---|---|---|'
  return [head, ...rows.map(({ at, b }) => {
    const workers = b.workers.reduce((sum, w) => sum + w.total, 0)
    return `| ${at} | ${r(b.rss)} | ${r(b.files)} | ${r(b.anon)} | ${r(b.mainHeapTotal)} (${r(b.mainHeapUsed)}) | ${b.workers.map(w => `${r(w.total)} (${r(w.used)})`).join(' + ')} | ${r(b.anon - b.mainHeapTotal - workers)} | ${r(b.mallocMain)} | ${r(b.external)} | ${['index', 'state', 'datastore'].map(k => r(b.leveldb[k] ?? NaN)).join(' / ')} |`
  })].join('\n')
}
